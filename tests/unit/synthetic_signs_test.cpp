// The synthetic traffic-sign renderer: shapes and ranges, determinism, classes that differ
// the way the real signs do, varied backgrounds, and the saved image folder.
#include "advlab/data/load.h"
#include "advlab/data/sign_folder.h"
#include "advlab/data/synthetic_signs.h"
#include "support/scratch_dir.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

using advlab::testing::error_message;
using advlab::testing::ScratchDir;
namespace data = advlab::data;

namespace {

torch::Tensor signs_render(int64_t label, uint64_t seed, int64_t size = 32) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  data::SignSceneOptions scene;
  scene.size = size;
  return data::render_sign(label, scene, gen);
}

// Fraction of pixels that are clearly red / clearly blue, averaged over `count` views.
double signs_colour_fraction(int64_t label, int channel, int count) {
  double total = 0;
  for (int i = 0; i < count; ++i) {
    auto img = signs_render(label, 1000 + i);
    auto others = (img.sum(0) - img[channel]) / 2;
    total += (img[channel] - others > 0.25).to(torch::kFloat32).mean().item<double>();
  }
  return total / count;
}

}  // namespace

TEST(SyntheticSigns, ClassNamesAreSortedAndIndexed) {
  const auto& names = data::sign_class_names();
  ASSERT_GE(names.size(), 6u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* name : {"stop", "yield", "speed-30", "speed-50", "speed-80", "no-entry"}) {
    EXPECT_EQ(names[data::sign_class_index(name)], name);
  }
  auto message = error_message([] { data::sign_class_index("speed-90"); });
  EXPECT_NE(message.find("speed-90"), std::string::npos) << message;
  EXPECT_NE(message.find("stop"), std::string::npos) << message;  // lists the known names
}

TEST(SyntheticSigns, EveryClassRendersInRangeAtTheRequestedSize) {
  for (int64_t c = 0; c < static_cast<int64_t>(data::sign_class_names().size()); ++c) {
    for (int64_t size : {32, 48}) {
      auto img = signs_render(c, 7, size);
      ASSERT_EQ(img.sizes(), torch::IntArrayRef({3, size, size}));
      EXPECT_EQ(img.scalar_type(), torch::kFloat32);
      EXPECT_TRUE(torch::isfinite(img).all().item<bool>());
      EXPECT_GE(img.min().item<double>(), 0.0);
      EXPECT_LE(img.max().item<double>(), 1.0);
      EXPECT_GT(img.std().item<double>(), 0.05) << "class " << c << " rendered a flat image";
    }
  }
}

TEST(SyntheticSigns, SameSeedSameImageOtherSeedOtherImage) {
  EXPECT_TRUE(torch::equal(signs_render(6, 42), signs_render(6, 42)));
  EXPECT_FALSE(torch::equal(signs_render(6, 42), signs_render(6, 43)));

  data::SignDatasetOptions small{3, 2, 32, 5}, large{5, 2, 32, 5};
  auto a = data::make_sign_datasets(small), b = data::make_sign_datasets(small);
  EXPECT_TRUE(torch::equal(a.train.images, b.train.images));
  EXPECT_TRUE(torch::equal(a.test.images, b.test.images));
  // An image depends on (seed, split, class, index) only, not on how many were drawn.
  auto c = data::make_sign_datasets(large);
  EXPECT_TRUE(torch::equal(a.train.images.slice(0, 0, 3), c.train.images.slice(0, 0, 3)));
  EXPECT_TRUE(torch::equal(a.train.images.slice(0, 3, 6), c.train.images.slice(0, 5, 8)));
  // Train and test are different draws.
  EXPECT_FALSE(torch::equal(a.train.images.slice(0, 0, 2), a.test.images.slice(0, 0, 2)));
}

TEST(SyntheticSigns, DatasetLayoutLabelsAndEightBitPixels) {
  auto sets = data::make_sign_datasets({4, 2, 24, 1});
  const auto classes = static_cast<int64_t>(data::sign_class_names().size());
  ASSERT_EQ(sets.train.images.sizes(), torch::IntArrayRef({4 * classes, 3, 24, 24}));
  ASSERT_EQ(sets.test.images.sizes(), torch::IntArrayRef({2 * classes, 3, 24, 24}));
  EXPECT_EQ(sets.train.num_classes, classes);
  EXPECT_EQ(sets.train.class_names, data::sign_class_names());
  EXPECT_TRUE(torch::equal(sets.train.labels, torch::arange(classes).repeat_interleave(4)));
  auto bytes = sets.train.images * 255;
  EXPECT_LT((bytes - bytes.round()).abs().max().item<double>(), 1e-3);
}

TEST(SyntheticSigns, ClassesDifferAsTheRealSignsDo) {
  const int views = 24;
  const int red = 0, blue = 2;
  const double stop_red = signs_colour_fraction(data::sign_class_index("stop"), red, views);
  const double speed_red = signs_colour_fraction(data::sign_class_index("speed-30"), red, views);
  const double priority_red = signs_colour_fraction(data::sign_class_index("priority"), red, views);
  // A stop sign is mostly red face; a speed limit only a red ring; priority has no red.
  EXPECT_GT(stop_red, 1.3 * speed_red) << stop_red << " vs " << speed_red;
  EXPECT_GT(speed_red, 1.3 * priority_red) << speed_red << " vs " << priority_red;
  const double keep_right_blue = signs_colour_fraction(data::sign_class_index("keep-right"), blue, views);
  const double stop_blue = signs_colour_fraction(data::sign_class_index("stop"), blue, views);
  EXPECT_GT(keep_right_blue, 2 * stop_blue) << keep_right_blue << " vs " << stop_blue;
}

TEST(SyntheticSigns, BackgroundAndViewpointVary) {
  std::vector<torch::Tensor> corners, images;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto img = signs_render(data::sign_class_index("stop"), seed);
    corners.push_back(img.slice(1, 0, 3).slice(2, 0, 3).mean({1, 2}));  // mostly background
    images.push_back(img);
  }
  auto corner = torch::stack(corners);
  EXPECT_GT(corner.std(0).mean().item<double>(), 0.1) << corner;
  // Every view differs from every other one.
  for (size_t i = 1; i < images.size(); ++i) {
    EXPECT_GT((images[i] - images[0]).abs().mean().item<double>(), 0.02) << i;
  }
}

TEST(SyntheticSigns, RejectsBadOptionsNamingTheValue) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  data::SignSceneOptions scene;
  auto message = error_message([&] { data::render_sign(99, scene, gen); });
  EXPECT_NE(message.find("99"), std::string::npos) << message;
  scene.size = 4;
  message = error_message([&] { data::render_sign(0, scene, gen); });
  EXPECT_NE(message.find("size"), std::string::npos) << message;
  scene = {};
  scene.min_scale = 0.9;
  scene.max_scale = 0.5;
  message = error_message([&] { data::render_sign(0, scene, gen); });
  EXPECT_NE(message.find("0.9"), std::string::npos) << message;
  message = error_message([] { data::make_sign_datasets({0, 1, 32, 0}); });
  EXPECT_NE(message.find("per_class_train"), std::string::npos) << message;
}

TEST(SignFolder, WritesTheImageFolderLayoutThatLoadsBackExactly) {
  ScratchDir dir;
  const std::string out = dir.file("signs");
  data::SignDatasetOptions options{3, 2, 32, 9};
  data::write_sign_folder(options, out, /*replace=*/false, nullptr);
  EXPECT_TRUE(data::is_sign_folder(out));
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
  EXPECT_TRUE(std::filesystem::is_regular_file(out + "/train/stop/00002.png"));
  EXPECT_FALSE(std::filesystem::exists(out + "/train/stop/00003.png"));

  auto expected = data::make_sign_datasets(options);
  auto train = data::load_dataset("folder:" + out + "/train");
  auto test = data::load_image_folder(out + "/test");
  EXPECT_EQ(train.class_names, data::sign_class_names());
  EXPECT_TRUE(torch::equal(train.labels, expected.train.labels));
  EXPECT_TRUE(torch::equal(test.labels, expected.test.labels));
  EXPECT_LT((train.images - expected.train.images).abs().max().item<double>(), 1e-6);
  EXPECT_LT((test.images - expected.test.images).abs().max().item<double>(), 1e-6);

  std::string classes = advlab::testing::read_bytes(out + "/classes.txt");
  EXPECT_EQ(classes.find("keep-right\nno-entry\n"), 0u) << classes;

  auto message = error_message([&] { data::write_sign_folder(options, out, false, nullptr); });
  EXPECT_NE(message.find("already exists"), std::string::npos) << message;
  data::write_sign_folder({1, 1, 16, 0}, out, /*replace=*/true, nullptr);
  EXPECT_EQ(data::load_image_folder(out + "/train").images.size(2), 16);
}
