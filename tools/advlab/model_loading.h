#pragma once
// Shared by subcommands that load a model: device, preprocessing and probing options.
#include "advlab/data/dataset.h"
#include "advlab/models/classifier.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace advlab::cli {

struct ModelFlags {
  std::string path;
  std::string device = "cpu";
  std::vector<double> mean, std;
  double lower = 0.0, upper = 1.0;
  int64_t pass_rows = ClassifierOptions::kAutoPassRows;
  bool plain_forward = false;

  // Adds --model, --device, --mean, --std, --bounds-lower, --bounds-upper, --pass-rows, --plain-forward.
  void add_to(CLI::App& cmd, bool required = true);
  // Loads the model and checks it accepts the dataset's images and has enough classes.
  std::shared_ptr<TorchScriptClassifier> load(const data::Dataset& dataset) const;
};

}  // namespace advlab::cli
