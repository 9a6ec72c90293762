#!/usr/bin/python3
"""Reference values for precast's recurrent layers, from PyTorch (Debian's python3-torch), in float64.

For each case: parameters in PyTorch's layout (weight_ih, weight_hh, bias_ih, bias_hh of layer 0), an input x
[batch, steps, features] (batch_first), an initial state, an upstream gradient r shaped like the output, and
what PyTorch computes: the output y and the gradients of sum(y * r) with respect to every parameter and to x.
The stateful case runs two consecutive windows, the second from the first's final state detached (truncated
BPTT), and records the second window's output and gradients.

Also writes test/data/pytorch_lstm_linear.npz: the state_dict of an nn.LSTM followed by an nn.Linear, named as
precast's save_npz names them ("0.weight_ih", ..., "1.weights", "1.bias"), with the model's input and output in
the "npz_lstm_linear" case.

Regenerate with: /usr/bin/python3 test/reference/recurrent_reference.py > test/data/recurrent_reference.txt
"""
import os
import sys

import numpy
import torch

torch.set_default_dtype(torch.float64)


def emit(name, tensor):
    values = tensor.detach().reshape(-1).tolist()
    print(f"{name} {len(values)}")
    print(" ".join(repr(float(v)) for v in values))


def make_module(kind, features, hidden, nonlinearity):
    if kind == "rnn":
        return torch.nn.RNN(features, hidden, batch_first=True, nonlinearity=nonlinearity)
    if kind == "gru":
        return torch.nn.GRU(features, hidden, batch_first=True)
    return torch.nn.LSTM(features, hidden, batch_first=True)


def case(name, kind, batch, steps, features, hidden, last_step=False, nonlinearity="tanh", initial_state=True,
         forget_bias=0.0, windows=1, seed=0):
    gen = torch.Generator().manual_seed(seed)
    module = make_module(kind, features, hidden, nonlinearity)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 1.2 - 0.6)
    xs = [torch.rand(batch, steps, features, generator=gen) * 2 - 1 for _ in range(windows)]
    h0 = (torch.rand(1, batch, hidden, generator=gen) - 0.5) if initial_state else torch.zeros(1, batch, hidden)
    c0 = (torch.rand(1, batch, hidden, generator=gen) - 0.5) if initial_state else torch.zeros(1, batch, hidden)
    out_shape = (batch, hidden) if last_step else (batch, steps, hidden)
    r = torch.rand(out_shape, generator=gen) * 2 - 1

    print(f"case {name} {kind} {batch} {steps} {features} {hidden} {int(last_step)} {nonlinearity} {forget_bias!r} {windows}")
    emit("weight_ih", module.weight_ih_l0)
    emit("weight_hh", module.weight_hh_l0)
    emit("bias_ih", module.bias_ih_l0)
    emit("bias_hh", module.bias_hh_l0)
    for w, x in enumerate(xs):
        emit(f"x{w}", x)
    emit("h0", h0)
    if kind == "lstm":
        emit("c0", c0)
    emit("r", r)

    # PyTorch's LSTM has no forget bias: the same function is its b_hf raised by forget_bias.
    if forget_bias != 0.0:
        with torch.no_grad():
            module.bias_hh_l0[hidden:2 * hidden] += forget_bias
    state = (h0, c0) if kind == "lstm" else h0
    for w, x in enumerate(xs):
        module.zero_grad()
        x = x.clone().requires_grad_(True)
        out, final = module(x, state)
        y = out[:, -1, :] if last_step else out
        (y * r).sum().backward()
        state = tuple(s.detach() for s in final) if kind == "lstm" else final.detach()
    emit("y", y)
    emit("d_weight_ih", module.weight_ih_l0.grad)
    emit("d_weight_hh", module.weight_hh_l0.grad)
    emit("d_bias_ih", module.bias_ih_l0.grad)
    emit("d_bias_hh", module.bias_hh_l0.grad)
    emit("dx", x.grad)


def gru_reset_before_case(name, batch, steps, features, hidden, seed):
    """TensorFlow 1's GRUCell (Keras reset_after=False) in PyTorch's layout, written out with torch operations:
    r, z from x and h as nn.GRU; n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)."""
    gen = torch.Generator().manual_seed(seed)
    w_ih = torch.rand(3 * hidden, features, generator=gen) * 1.2 - 0.6
    w_hh = torch.rand(3 * hidden, hidden, generator=gen) * 1.2 - 0.6
    b_ih = torch.rand(3 * hidden, generator=gen) * 1.2 - 0.6
    b_hh = torch.rand(3 * hidden, generator=gen) * 1.2 - 0.6
    x = torch.rand(batch, steps, features, generator=gen) * 2 - 1
    h0 = torch.rand(1, batch, hidden, generator=gen) - 0.5
    r_up = torch.rand(batch, steps, hidden, generator=gen) * 2 - 1
    print(f"case {name} gru_reset_before {batch} {steps} {features} {hidden} 0 tanh 0.0 1")
    emit("weight_ih", w_ih)
    emit("weight_hh", w_hh)
    emit("bias_ih", b_ih)
    emit("bias_hh", b_hh)
    emit("x0", x)
    emit("h0", h0)
    emit("r", r_up)
    params = [t.clone().requires_grad_(True) for t in (w_ih, w_hh, b_ih, b_hh)]
    w_ih, w_hh, b_ih, b_hh = params
    x = x.clone().requires_grad_(True)
    h = h0[0]
    H = hidden
    outputs = []
    for t in range(steps):
        gx = x[:, t, :] @ w_ih.T + b_ih
        gh_rz = h @ w_hh[:2 * H].T + b_hh[:2 * H]
        r = torch.sigmoid(gx[:, :H] + gh_rz[:, :H])
        z = torch.sigmoid(gx[:, H:2 * H] + gh_rz[:, H:])
        n = torch.tanh(gx[:, 2 * H:] + (r * h) @ w_hh[2 * H:].T + b_hh[2 * H:])
        h = (1 - z) * n + z * h
        outputs.append(h)
    y = torch.stack(outputs, dim=1)
    (y * r_up).sum().backward()
    emit("y", y)
    emit("d_weight_ih", w_ih.grad)
    emit("d_weight_hh", w_hh.grad)
    emit("d_bias_ih", b_ih.grad)
    emit("d_bias_hh", b_hh.grad)
    emit("dx", x.grad)


def npz_case(seed=10):
    gen = torch.Generator().manual_seed(seed)
    lstm = torch.nn.LSTM(3, 6, batch_first=True)
    head = torch.nn.Linear(6, 4)
    with torch.no_grad():
        for p in list(lstm.parameters()) + list(head.parameters()):
            p.copy_(torch.rand(p.shape, generator=gen) - 0.5)
    x = torch.rand(2, 5, 3, generator=gen) * 2 - 1
    with torch.no_grad():
        y = head(lstm(x)[0])
    arrays = {f"0.{name.removesuffix('_l0')}": t.detach().numpy() for name, t in lstm.state_dict().items()}
    arrays["1.weights"] = head.weight.detach().numpy()
    arrays["1.bias"] = head.bias.detach().numpy()
    here = os.path.dirname(os.path.abspath(__file__))
    numpy.savez(os.path.join(here, "..", "data", "pytorch_lstm_linear.npz"), **arrays)
    print("case npz_lstm_linear lstm 2 5 3 6 0 tanh 0.0 1")
    emit("x0", x)
    emit("y", y)


def main():
    print(f"# PyTorch {torch.__version__}, float64; made by test/reference/recurrent_reference.py")
    case("rnn_tanh", "rnn", batch=2, steps=3, features=5, hidden=4, seed=1)
    case("rnn_relu_last", "rnn", batch=2, steps=4, features=3, hidden=5, last_step=True, nonlinearity="relu", seed=2)
    case("gru", "gru", batch=4, steps=7, features=3, hidden=5, seed=3)
    case("gru_last", "gru", batch=1, steps=3, features=17, hidden=3, last_step=True, seed=4)
    case("lstm", "lstm", batch=2, steps=7, features=5, hidden=17, seed=5)
    case("lstm_last", "lstm", batch=3, steps=1, features=1, hidden=3, last_step=True, initial_state=False, seed=6)
    case("lstm_forget_bias", "lstm", batch=2, steps=3, features=3, hidden=5, forget_bias=1.0, seed=7)
    case("lstm_stateful", "lstm", batch=5, steps=4, features=3, hidden=5, initial_state=False, windows=2, seed=8)
    case("gru_stateful", "gru", batch=2, steps=3, features=2, hidden=3, initial_state=False, windows=3, seed=9)
    gru_reset_before_case("gru_reset_before", batch=2, steps=5, features=3, hidden=4, seed=11)
    gru_reset_before_case("gru_reset_before_gemm", batch=4, steps=3, features=5, hidden=17, seed=12)
    npz_case()


if __name__ == "__main__":
    sys.exit(main())
