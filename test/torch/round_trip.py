#!/usr/bin/python3
"""PyTorch <-> precast round trip through python/precast_torch.py (ctest: torch.round_trip).

Usage: round_trip.py <torch_round_trip program> <work dir>

1. Five models are trained in PyTorch (an MLP with every activation the converter knows and a dropout, a stack
   of a 2-layer LSTM, a GRU, a relu RNN and a per-step Linear, a double-precision LSTM that keeps its last
   step, a CNN with batch normalization, grouped and strided convolutions, PReLU, both poolings and a Linear after a
   channels-first Flatten, and a double-precision causal, dilated 1-D stack with batch normalization, upsampling, a
   transposed convolution and a global average, and a float GPT of token ids: embedding with a padding id, learned
   positions, pre-norm residual blocks of causal attention (with and without biases) and a GELU MLP); precast_torch
   must print exactly the network types the C++ program is compiled with.
2. precast loads the converted files and runs them: its outputs must equal PyTorch's (float 1e-6, double 1e-12,
   relative to max(1, |y|)).
3. precast trains the same architectures from its own seed and saves them; precast_torch loads those files into
   fresh PyTorch models (load_state_dict, strict), whose outputs must equal precast's.
4. What the converter must refuse, it refuses by name.
"""
import os
import subprocess
import sys

import numpy
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import precast_torch  # noqa: E402

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAILED:", message)


class Sequence(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(5, 12, num_layers=2, batch_first=True)
        self.gru = torch.nn.GRU(12, 10, batch_first=True)
        self.rnn = torch.nn.RNN(10, 8, nonlinearity="relu", batch_first=True)
        self.head = torch.nn.Linear(8, 4)

    def forward(self, x):
        y, _ = self.lstm(x)
        y, _ = self.gru(y)
        y, _ = self.rnn(y)
        return self.head(y)


class LastStep(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(3, 6, batch_first=True)
        self.out = torch.nn.Sequential(torch.nn.Linear(6, 2), torch.nn.Tanh())

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.out(y[:, -1])


def mlp():
    nn = torch.nn
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 12), nn.LeakyReLU(0.2),
                         nn.Sequential(nn.Linear(12, 8), nn.ELU()), nn.Linear(8, 5, bias=False), nn.Sigmoid(), nn.Linear(5, 3),
                         nn.Softmax(dim=-1))


def cnn():
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(2, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 8, (2, 3), stride=(1, 2), groups=2, bias=False),
                         nn.PReLU(8), nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=False), nn.Flatten(), nn.Linear(96, 3))


def tcn():
    nn = torch.nn
    return nn.Sequential(nn.ConstantPad1d((2, 0), 0.0), nn.Conv1d(3, 4, 3), nn.Tanh(), nn.ConstantPad1d((4, 0), 0.0), nn.Conv1d(4, 4, 3, dilation=2, groups=2),
                         nn.BatchNorm1d(4, eps=1e-3, momentum=0.01), nn.Upsample(scale_factor=2), nn.MaxPool1d(2),
                         nn.ConvTranspose1d(4, 4, 3, stride=2, padding=1, output_padding=1), nn.Conv1d(4, 2, 1), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(2, 2))


def gpt():
    """Two pre-norm blocks (causal attention with and without biases, an MLP), learned positions, token ids in."""
    nn = torch.nn
    return nn.Sequential(nn.Embedding(11, 8, padding_idx=0), precast_torch.PositionEmbedding(6, 8),
                         precast_torch.Residual(nn.LayerNorm(8), precast_torch.SelfAttention(8, 2, causal=True)),
                         precast_torch.Residual(nn.LayerNorm(8, eps=1e-6), nn.Linear(8, 32), nn.GELU(approximate="tanh"), nn.Linear(32, 8)),
                         precast_torch.Residual(precast_torch.RMSNorm(8), precast_torch.SelfAttention(8, 4, causal=True, bias=False)),
                         nn.LayerNorm(8), nn.Linear(8, 11), nn.SiLU())


# name: (constructor, sample shape (as PyTorch takes it: channels first for the convolutional ones), dtype, last_step, tolerance)
MODELS = {
    "mlp": (mlp, (6,), torch.float32, False, 1e-6),
    "sequence": (Sequence, (7, 5), torch.float32, False, 1e-6),
    "last_step": (LastStep, (5, 3), torch.float64, True, 1e-12),
    "cnn": (cnn, (2, 8, 10), torch.float32, False, 1e-6),
    "tcn": (tcn, (3, 12), torch.float64, False, 1e-12),
    "gpt": (gpt, (6,), torch.float32, False, 1e-6),
}
TOKENS = {"gpt": 11}  # models whose input is token ids: their vocabulary
BATCH = 4


def build(name, seed):
    constructor, _, dtype, _, _ = MODELS[name]
    torch.manual_seed(seed)
    return constructor().to(dtype)


def outputs(model, x):
    model.eval()
    with torch.no_grad():
        return model(x).numpy()


def compare(what, got, expected, tolerance):
    got = numpy.asarray(got, dtype=numpy.float64).reshape(expected.shape)
    scale = numpy.maximum(1.0, numpy.abs(expected))
    worst = float(numpy.max(numpy.abs(got - expected) / scale))
    check(worst <= tolerance, f"{what}: differs by {worst:.3g} (relative to max(1, |y|)), more than {tolerance:g}")
    print(f"{what}: largest difference {worst:.3g} (tolerance {tolerance:g})")


def main(program, work):
    os.makedirs(work, exist_ok=True)
    types = dict(line.split(" ", 1) for line in subprocess.run([program, "types"], check=True, capture_output=True, text=True).stdout.splitlines())

    # 1. Trained in PyTorch, converted.
    expected = {}
    for name, (_, shape, dtype, last_step, _) in MODELS.items():
        model = build(name, seed=1)
        generator = torch.Generator().manual_seed(2)
        if name in TOKENS:
            x = torch.randint(TOKENS[name], (BATCH, *shape), generator=generator)
        else:
            x = (torch.rand((BATCH, *shape), generator=generator, dtype=dtype) * 2 - 1)
        target = torch.rand(model(x).shape, generator=generator, dtype=dtype) * 0.8 - 0.4
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        model.train()
        for _ in range(30):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), target).backward()
            optimizer.step()
        printed = precast_torch.save_npz(model, os.path.join(work, f"{name}.torch.npz"), shape, last_step=last_step)
        check(printed == types[name], f"{name}: precast_torch printed\n  {printed}\nbut the program is compiled with\n  {types[name]}")
        # x as precast takes it (channels last for a convolutional model), x_torch as the model does.
        # (token ids as numbers of the model's type: precast holds them so in a workspace)
        x_precast = precast_torch.to_precast_input(model, x, shape).astype(numpy.float32 if dtype == torch.float32 else numpy.float64)
        numpy.savez(os.path.join(work, f"{name}.input.npz"), x=x_precast, x_torch=x.numpy())
        expected[name] = outputs(model, x)

    # 2. precast runs them.
    subprocess.run([program, "forward", work], check=True)
    for name, (_, _, _, _, tolerance) in MODELS.items():
        with numpy.load(os.path.join(work, f"{name}.precast_output.npz")) as out:
            compare(f"{name}: PyTorch-trained model run by precast", out["y"], expected[name], tolerance)

    # The running statistics came along: PyTorch's training moved them (31 passes in training mode: the one that
    # sized the target, then 30 steps), and precast's inference used them.
    with numpy.load(os.path.join(work, "cnn.torch.npz")) as arrays:
        check(float(arrays["1.num_batches_tracked"]) == 31.0 and not numpy.allclose(arrays["1.running_var"], 1.0),
              "cnn: the .npz lacks the BatchNorm's running statistics after 31 training passes")

    # 3. Trained in precast, loaded into PyTorch.
    subprocess.run([program, "train", work], check=True)
    for name, (_, shape, dtype, last_step, tolerance) in MODELS.items():
        model = build(name, seed=3)  # other initial weights: everything must come from the file
        precast_torch.load_npz(model, os.path.join(work, f"{name}.precast.npz"), shape, last_step=last_step)
        with numpy.load(os.path.join(work, f"{name}.input.npz")) as inputs:
            x = torch.from_numpy(inputs["x_torch"])
        with numpy.load(os.path.join(work, f"{name}.trained_output.npz")) as out:
            compare(f"{name}: precast-trained model run by PyTorch", outputs(model, x), out["y"].astype(numpy.float64), tolerance)
        with numpy.load(os.path.join(work, f"{name}.torch.npz")) as before, numpy.load(os.path.join(work, f"{name}.precast.npz")) as after:
            check(any(not numpy.array_equal(before[k], after[k]) for k in before.files), f"{name}: precast's training changed nothing")

    # 4. Refusals.
    def refused(what, action, needle):
        try:
            action()
        except precast_torch.ConversionError as error:
            check(needle in str(error), f"{what}: refused, but the message lacks '{needle}': {error}")
            return
        check(False, f"{what}: not refused")

    class Skip(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(4, 4)
            self.b = torch.nn.Tanh()

        def forward(self, x):
            return x + self.b(self.a(x))

    refused("a skip connection", lambda: precast_torch.network_type(Skip(), (4,)), "does not compute what its submodules compute")
    refused("an LSTM without last_step whose forward keeps the last step", lambda: precast_torch.network_type(LastStep().double(), (5, 3)),
            "pass last_step=True")
    refused("a bidirectional LSTM", lambda: precast_torch.network_type(torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True), (5, 3)),
            "is bidirectional")
    refused("a batch normalization without affine parameters",
            lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.Conv1d(1, 2, 3), torch.nn.BatchNorm1d(2, affine=False)), (1, 8)),
            "has affine=False")
    refused("a group normalization", lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.Conv1d(1, 2, 3), torch.nn.GroupNorm(1, 2)), (1, 8)),
            "(GroupNorm) has no precast layer")
    refused("a reflection-padded convolution", lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.Conv1d(1, 2, 3, padding=1, padding_mode="reflect")),
                                                                                   (1, 8)), "padding_mode='reflect'")
    refused("a Linear on the length axis of a convolution's output",
            lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.Conv1d(2, 3, 3), torch.nn.Linear(6, 2)), (2, 8)),
            "acts on the last axis of channels-first values (3, 6)")
    refused("a CNN ending with a Flatten", lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.Conv1d(2, 3, 3), torch.nn.Flatten()), (2, 8)),
            "ends with a Flatten of channels-first values")
    refused("max pooling with ceil_mode", lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.MaxPool1d(2, ceil_mode=True)), (2, 9)),
            "ceil_mode=True")
    refused("a Linear of the wrong width", lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.Linear(5, 2)), (4,)),
            "takes 5 features, but the chain gives it shape (4,)")
    refused("a bare nn.MultiheadAttention", lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.MultiheadAttention(4, 2)), (3, 4)),
            "wrap it as precast_torch.SelfAttention")
    refused("an Embedding after a Linear",
            lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Embedding(5, 2)), (3,), check=False),
            "is not the first layer")
    refused("a LayerNorm over two axes", lambda: precast_torch.network_type(torch.nn.Sequential(torch.nn.LayerNorm((3, 4))), (3, 4)),
            "precast's layer_norm normalizes the last axis")
    refused("a residual that changes the shape",
            lambda: precast_torch.network_type(torch.nn.Sequential(precast_torch.Residual(torch.nn.Linear(4, 3))), (4,), check=False),
            "a residual's body keeps the shape")
    refused("an MLP's file into the sequence model",
            lambda: precast_torch.load_npz(build("sequence", 4), os.path.join(work, "mlp.precast.npz"), (7, 5)), "has no array 0.weight_ih")

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("round trip: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
