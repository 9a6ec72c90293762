#!/usr/bin/python3
"""Reference values for precast's blocks (residual, parallel, sequential), from PyTorch (Debian's python3-torch), in float64.

The model, in PyTorch and in precast:
    nn.Sequential(Linear(4, 5), Residual(body=Sequential(Linear(5, 7), Tanh(), Linear(7, 5))), Tanh(),
                  Parallel(concat on the last axis: Linear(5, 2), Sequential(Linear(5, 3), Sigmoid())), Linear(5, 2))
    network<input_of<shape<3, 4>, double>, dense<5>, residual<dense<7>, tanh, dense<5>>, tanh,
            parallel<concat<>, dense<2>, sequential<dense<3>, sigmoid>>, dense<2>>
on samples of shape [3, 4] (Linear acts on the last axis, as dense does). Written: every parameter under its
state_dict name, the input x [batch, 3, 4], an upstream gradient r shaped like the output, the output y, and the
gradients of sum(y * r) with respect to every parameter (name + ".grad") and to x.

Regenerate with: /usr/bin/python3 test/reference/blocks_reference.py > test/data/blocks_reference.txt
"""
import torch

torch.set_default_dtype(torch.float64)


class Residual(torch.nn.Module):
    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return x + self.body(x)


class Parallel(torch.nn.Module):
    def __init__(self, *branches):
        super().__init__()
        self.branches = torch.nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], dim=-1)


def emit(name, tensor):
    values = tensor.detach().reshape(-1).tolist()
    print(f"{name} {len(values)}")
    print(" ".join(repr(float(v)) for v in values))


def main():
    gen = torch.Generator().manual_seed(7)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 5),
        Residual(torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 5))),
        torch.nn.Tanh(),
        Parallel(torch.nn.Linear(5, 2), torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.Sigmoid())),
        torch.nn.Linear(5, 2),
    )
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 1.6 - 0.8)
    batch = 2
    x = (torch.rand(batch, 3, 4, generator=gen) * 2 - 1).requires_grad_(True)
    y = model(x)
    r = torch.rand(y.shape, generator=gen) * 2 - 1
    (y * r).sum().backward()

    print(f"# PyTorch {torch.__version__}, float64; made by test/reference/blocks_reference.py")
    print(f"batch {batch}")
    for name, p in model.state_dict().items():
        emit(name, p)
    emit("x", x)
    emit("r", r)
    emit("y", y)
    for name, p in model.named_parameters():
        emit(name + ".grad", p.grad)
    emit("x.grad", x.grad)


if __name__ == "__main__":
    main()
