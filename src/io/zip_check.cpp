// Zip layout (PKWARE APPNOTE 4.3): records, each behind a local header; then the central
// directory (one entry per record: name, method, CRC-32, sizes, local header offset);
// then the end-of-central-directory record, preceded by its zip64 form when counts or
// offsets overflow 32 bits. torch stores records uncompressed; deflate is handled too.
#include "advlab/io/zip_check.h"

#include "advlab/core/error.h"
#include "advlab/io/crc32.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

namespace advlab::io {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralEntry = 0x02014b50, kEnd = 0x06054b50,
                   kEnd64 = 0x06064b50, kEnd64Locator = 0x07064b50;
constexpr size_t kChunk = 1 << 20;

uint64_t little_endian(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

class Archive {
 public:
  explicit Archive(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    ADVLAB_CHECK(in_, path, ": cannot open");
    in_.seekg(0, std::ios::end);
    size_ = static_cast<uint64_t>(in_.tellg());
  }
  uint64_t size() const { return size_; }

  std::vector<unsigned char> read(uint64_t offset, uint64_t count) {
    ADVLAB_CHECK(offset <= size_ && count <= size_ - offset, path_,
                 ": damaged archive: a record points past the end of the file");
    std::vector<unsigned char> bytes(count);
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count));
    ADVLAB_CHECK(in_, path_, ": read failed at offset ", offset);
    return bytes;
  }

  // Calls `sink` on consecutive chunks of [offset, offset + count).
  template <typename Sink>
  void stream(uint64_t offset, uint64_t count, Sink sink) {
    for (uint64_t done = 0; done < count;) {
      uint64_t n = std::min<uint64_t>(kChunk, count - done);
      auto bytes = read(offset + done, n);
      sink(bytes.data(), bytes.size());
      done += n;
    }
  }

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t size_ = 0;
};

struct Entry {
  std::string name;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, uncompressed = 0, local_offset = 0;
};

struct Directory {
  uint64_t offset = 0, size = 0, entries = 0;
};

// Finds the end-of-central-directory record; false when the file is not a zip.
bool find_directory(Archive& archive, const std::string& path, Directory& dir) {
  const uint64_t tail = std::min<uint64_t>(archive.size(), 22 + 0xFFFF);
  if (tail < 22) return false;
  auto bytes = archive.read(archive.size() - tail, tail);
  for (uint64_t i = tail - 22 + 1; i-- > 0;) {
    const unsigned char* p = bytes.data() + i;
    if (little_endian(p, 4) != kEnd) continue;
    dir.entries = little_endian(p + 10, 2);
    dir.size = little_endian(p + 12, 4);
    dir.offset = little_endian(p + 16, 4);
    const uint64_t end_at = archive.size() - tail + i;
    if (dir.entries == 0xFFFF || dir.size == 0xFFFFFFFF || dir.offset == 0xFFFFFFFF) {
      ADVLAB_CHECK(end_at >= 20, path, ": damaged archive: zip64 locator missing");
      auto locator = archive.read(end_at - 20, 20);
      ADVLAB_CHECK(little_endian(locator.data(), 4) == kEnd64Locator, path,
                   ": damaged archive: zip64 locator missing");
      auto end64 = archive.read(little_endian(locator.data() + 8, 8), 56);
      ADVLAB_CHECK(little_endian(end64.data(), 4) == kEnd64, path, ": damaged archive: zip64 end record missing");
      dir.entries = little_endian(end64.data() + 32, 8);
      dir.size = little_endian(end64.data() + 40, 8);
      dir.offset = little_endian(end64.data() + 48, 8);
    }
    return true;
  }
  return false;
}

std::vector<Entry> read_entries(Archive& archive, const std::string& path, const Directory& dir) {
  auto bytes = archive.read(dir.offset, dir.size);
  std::vector<Entry> entries;
  size_t at = 0;
  for (uint64_t k = 0; k < dir.entries; ++k) {
    ADVLAB_CHECK(at + 46 <= bytes.size() && little_endian(&bytes[at], 4) == kCentralEntry, path,
                 ": damaged archive: central directory entry ", k, " is unreadable");
    const unsigned char* p = &bytes[at];
    Entry e;
    e.method = static_cast<uint16_t>(little_endian(p + 10, 2));
    e.crc = static_cast<uint32_t>(little_endian(p + 16, 4));
    e.compressed = little_endian(p + 20, 4);
    e.uncompressed = little_endian(p + 24, 4);
    const size_t name_len = little_endian(p + 28, 2), extra_len = little_endian(p + 30, 2),
                 comment_len = little_endian(p + 32, 2);
    e.local_offset = little_endian(p + 42, 4);
    ADVLAB_CHECK(at + 46 + name_len + extra_len + comment_len <= bytes.size(), path,
                 ": damaged archive: central directory entry ", k, " is truncated");
    e.name.assign(reinterpret_cast<const char*>(p + 46), name_len);
    // Zip64 extra field: the 64-bit values of whichever fields read 0xFFFFFFFF, in order.
    const unsigned char* extra = p + 46 + name_len;
    for (size_t x = 0; x + 4 <= extra_len;) {
      const uint64_t id = little_endian(extra + x, 2), len = little_endian(extra + x + 2, 2);
      if (id == 0x0001) {
        const unsigned char* v = extra + x + 4;
        const unsigned char* end = v + std::min<uint64_t>(len, extra_len - x - 4);
        for (uint64_t* field : {&e.uncompressed, &e.compressed, &e.local_offset}) {
          if (*field != 0xFFFFFFFF || v + 8 > end) continue;
          *field = little_endian(v, 8);
          v += 8;
        }
      }
      x += 4 + len;
    }
    entries.push_back(e);
    at += 46 + name_len + extra_len + comment_len;
  }
  return entries;
}

uint32_t crc_of_deflated(Archive& archive, const std::string& path, const Entry& e, uint64_t data_at) {
  z_stream z;
  std::memset(&z, 0, sizeof z);
  ADVLAB_CHECK(inflateInit2(&z, -MAX_WBITS) == Z_OK, path, ": cannot start inflating '", e.name, "'");
  // A record past the end of the file throws from stream(); the inflater is freed either way.
  std::unique_ptr<z_stream, int (*)(z_stream*)> end_inflate(&z, inflateEnd);
  uint32_t crc = 0;
  int status = Z_OK;
  std::vector<unsigned char> out(kChunk);
  archive.stream(data_at, e.compressed, [&](const unsigned char* bytes, size_t n) {
    z.next_in = const_cast<Bytef*>(bytes);
    z.avail_in = static_cast<uInt>(n);
    while (z.avail_in > 0 && status == Z_OK) {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      status = inflate(&z, Z_NO_FLUSH);
      crc = crc32_of_bytes(out.data(), out.size() - z.avail_out, crc);
    }
  });
  ADVLAB_CHECK(status == Z_STREAM_END, path, ": damaged archive: record '", e.name, "' does not inflate");
  return crc;
}

}  // namespace

void verify_zip_checksums(const std::string& path) {
  Archive archive(path);
  Directory dir;
  if (!find_directory(archive, path, dir)) return;
  for (const auto& e : read_entries(archive, path, dir)) {
    auto local = archive.read(e.local_offset, 30);
    ADVLAB_CHECK(little_endian(local.data(), 4) == kLocalHeader, path, ": damaged archive: record '", e.name,
                 "' has no local header");
    const uint64_t local_name_len = little_endian(local.data() + 26, 2);
    const uint64_t data_at = e.local_offset + 30 + local_name_len + little_endian(local.data() + 28, 2);
    // The CRC covers the data only: a name damaged in the directory or the local header
    // would send LibTorch looking for a record that is not there.
    auto local_name = archive.read(e.local_offset + 30, local_name_len);
    ADVLAB_CHECK(std::string(local_name.begin(), local_name.end()) == e.name, path,
                 ": damaged archive: record '", e.name, "' is named differently in its local header");
    uint32_t crc = 0;
    if (e.method == 0) {
      ADVLAB_CHECK(e.compressed == e.uncompressed, path, ": damaged archive: record '", e.name,
                   "' has inconsistent sizes");
      archive.stream(data_at, e.compressed, [&](const unsigned char* bytes, size_t n) {
        crc = crc32_of_bytes(bytes, n, crc);
      });
    } else if (e.method == 8) {
      crc = crc_of_deflated(archive, path, e, data_at);
    } else {
      throw Error(c10::str(path, ": record '", e.name, "' uses zip compression method ", e.method,
                           ", which advlab cannot check"));
    }
    ADVLAB_CHECK(crc == e.crc, path, ": damaged archive: record '", e.name, "' fails its CRC-32 check (stored ",
                 hex32(e.crc), ", computed ", hex32(crc), "); the file is corrupt");
  }
}

}  // namespace advlab::io
