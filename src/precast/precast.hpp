// The whole library but what touches files and the terminal. Those are their own headers, so that a program that
// never touches one does not compile <filesystem>, <fstream>, POSIX headers or xtensor/xadapt.hpp (a test pins
// it): <precast/io/model_file.hpp> (save_model, load_model), <precast/io/npy.hpp> (.npy / .npz),
// <precast/report.hpp> (progress_bar, csv_log, svg_plot), <precast/core/xtensor_view.hpp> (as_xtensor),
// <precast/data/idx.hpp> (IDX data sets, needs zlib: precast::data), <precast/mpi.hpp> (precast::mpi).
// The module (modules/precast.cppm) exports this, the two io headers and report.hpp.
#pragma once

#include <precast/config.hpp>

#include <precast/core/batch_view.hpp>
#include <precast/core/denormals.hpp>
#include <precast/core/matrix_view.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/tensor.hpp>
#include <precast/core/tensor_ops.hpp>
#include <precast/core/threads.hpp>
#include <precast/core/vocabulary.hpp>

#include <precast/kernels/axpy.hpp>
#include <precast/kernels/dot.hpp>
#include <precast/kernels/gemm.hpp>
#include <precast/kernels/lanes.hpp>
#include <precast/kernels/simd.hpp>

#include <precast/concepts.hpp>
#include <precast/initializers.hpp>

#include <precast/layers/batch_norm.hpp>
#include <precast/layers/conv_transpose.hpp>
#include <precast/layers/convolution.hpp>
#include <precast/layers/dense.hpp>
#include <precast/layers/dropout.hpp>
#include <precast/layers/elu.hpp>
#include <precast/layers/embedding.hpp>
#include <precast/layers/gelu.hpp>
#include <precast/layers/gru.hpp>
#include <precast/layers/identity.hpp>
#include <precast/layers/layer_norm.hpp>
#include <precast/layers/leaky_relu.hpp>
#include <precast/layers/lstm.hpp>
#include <precast/layers/multi_head_attention.hpp>
#include <precast/layers/pooling.hpp>
#include <precast/layers/position_embedding.hpp>
#include <precast/layers/prelu.hpp>
#include <precast/layers/recurrent.hpp>
#include <precast/layers/relu.hpp>
#include <precast/layers/reshape.hpp>
#include <precast/layers/rms_norm.hpp>
#include <precast/layers/rnn.hpp>
#include <precast/layers/sigmoid.hpp>
#include <precast/layers/silu.hpp>
#include <precast/layers/sinusoidal_position.hpp>
#include <precast/layers/softmax.hpp>
#include <precast/layers/tanh.hpp>
#include <precast/layers/upsample.hpp>

#include <precast/losses/binary_cross_entropy.hpp>
#include <precast/losses/binary_cross_entropy_with_logits.hpp>
#include <precast/losses/categorical_cross_entropy.hpp>
#include <precast/losses/half_sum_squared_error.hpp>
#include <precast/losses/mean_squared_error.hpp>
#include <precast/losses/softmax_cross_entropy.hpp>

#include <precast/optimizers/adadelta.hpp>
#include <precast/optimizers/adagrad.hpp>
#include <precast/optimizers/adagrad_da.hpp>
#include <precast/optimizers/adam.hpp>
#include <precast/optimizers/adamax.hpp>
#include <precast/optimizers/adamw.hpp>
#include <precast/optimizers/any_optimizer.hpp>
#include <precast/optimizers/clipping.hpp>
#include <precast/optimizers/ftrl.hpp>
#include <precast/optimizers/gradient_descent.hpp>
#include <precast/optimizers/momentum.hpp>
#include <precast/optimizers/nadam.hpp>
#include <precast/optimizers/nesterov_momentum.hpp>
#include <precast/optimizers/optimizer_support.hpp>
#include <precast/optimizers/optimizer_wrapper.hpp>
#include <precast/optimizers/proximal_adagrad.hpp>
#include <precast/optimizers/proximal_gradient_descent.hpp>
#include <precast/optimizers/rmsprop.hpp>
#include <precast/optimizers/schedules.hpp>
#include <precast/optimizers/step_context.hpp>
#include <precast/optimizers/vector_optimizer.hpp>

#include <precast/blocks/parallel.hpp>
#include <precast/blocks/residual.hpp>
#include <precast/blocks/sequential.hpp>
#include <precast/gradcheck/gradient_check.hpp>
#include <precast/network/frozen_network.hpp>
#include <precast/network/network.hpp>
#include <precast/network/streaming_network.hpp>
#include <precast/training/dataset.hpp>
#include <precast/training/epoch_judge.hpp>
#include <precast/training/gradient_reducer.hpp>
#include <precast/training/gradients.hpp>
#include <precast/training/metrics.hpp>
#include <precast/training/observer.hpp>
#include <precast/training/trainer.hpp>
#include <precast/training/training_error.hpp>
