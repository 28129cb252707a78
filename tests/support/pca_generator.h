#pragma once
// A real, cheap generative model of Fashion-MNIST for the natural-attack tests, standing
// in for a trained GAN: the PCA decoder G(z) = clamp(mean + U diag(s) z, 0, 1) with U the
// top principal directions and s their standard deviations, so z ~ N(0, I) is its prior.
// Its exact inverter (on the data's span) is I(x) = diag(1/s) U^T (x - mean). Both are
// TorchScript modules with the generator and inverter file contracts' attributes
// (architecture "pca-decoder" / "pca-encoder").
#include <torch/script.h>

#include <string>

namespace advlab::testing {

struct PcaModels {
  torch::jit::Module generator, inverter;
};

// PCA of the first `images` Fashion-MNIST training images, `latent_dim` components.
PcaModels build_fashion_pca(int64_t latent_dim, int64_t images = 10000);

struct PcaFixture {
  std::string generator_path, inverter_path;  // cached in ADVLAB_TEST_CACHE_DIR
  int64_t latent_dim = 0;
};

// The 32-component PCA generator and its exact inverter, built once and cached.
// Check fashion_mnist_available() first.
const PcaFixture& fashion_pca();

}  // namespace advlab::testing
