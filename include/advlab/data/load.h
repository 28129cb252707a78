#pragma once
// Dataset loaders, chosen by a spec string:
//   fashion-mnist:train | fashion-mnist:test   Debian's dataset-fashion-mnist package
//   idx:IMAGES_FILE,LABELS_FILE                IDX files, gzip-compressed or not
//   cifar10:DIR:train | cifar10:DIR:test       CIFAR-10 binary batches in DIR
//   folder:DIR  (or a plain directory path)    PNG/JPEG images in one subfolder per class
// Every loader validates headers and sizes before allocating and throws advlab::Error
// with a one-line message naming the file and the problem.
#include "advlab/data/dataset.h"

#include <string>

namespace advlab::data {

Dataset load_dataset(const std::string& spec);

// Individual formats (used by load_dataset, exposed for tests and tools).
Dataset load_idx(const std::string& images_path, const std::string& labels_path);
Dataset load_cifar10(const std::string& dir, bool train);
Dataset load_image_folder(const std::string& dir);

// Where Debian installs Fashion-MNIST (overridable with ADVLAB_FASHION_MNIST_DIR).
std::string fashion_mnist_dir();

}  // namespace advlab::data
