#!/usr/bin/python3
"""Reference values for precast's batch_norm, from PyTorch (Debian's python3-torch), in float64.

Each case is a BatchNorm1d/2d (or a small CNN with one) on a batch of channels-last samples, as precast lays them
out ([features], [length, channels], [height, width, channels]); PyTorch computes channels-first, so the script
permutes on the way in and out. Written per case: x, the parameters ("<case>.<precast layer index>.weight", ...),
the running statistics before the pass ("...running_mean.before", "...running_var.before"), an upstream gradient
r, the output y, the gradients of sum(y * r) for x and every parameter (".grad"), and the running statistics and
num_batches_tracked after the pass ("...running_mean", "...running_var", "...num_batches_tracked").

Regenerate with: /usr/bin/python3 test/reference/batch_norm_reference.py > test/data/batch_norm_reference.txt
"""
import torch

torch.set_default_dtype(torch.float64)


def emit(name, tensor):
    values = tensor.detach().reshape(-1).tolist()
    print(f"{name} {len(values)}")
    print(" ".join(repr(float(v)) for v in values))


class ChannelsLast(torch.nn.Module):
    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        if x.dim() == 2:
            return self.module(x)
        spatial = x.dim() - 2
        y = self.module(x.permute(0, x.dim() - 1, *range(1, x.dim() - 1)))
        return y.permute(0, *range(2, 2 + spatial), 1) if y.dim() > 2 else y


class Flatten(torch.nn.Module):
    def forward(self, x):
        return x.flatten(1)


def run(name, model, batch, sample_shape, gen, params, train=True, passes=1, offset=0.0):
    """params: (precast layer index, PyTorch module) named by that index. passes: training passes on fresh
    batches before the one whose values are written (the running statistics accumulate over all of them).
    offset: added to x, a mean far from zero against the spread (where a one-pass variance loses digits)."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 1.6 - 0.8)
        for index, module in params:
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.running_mean.copy_(torch.rand(module.running_mean.shape, generator=gen) - 0.5)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=gen) + 0.5)
    model.train(train)
    print(f"# {name}: {model}".replace("\n", " "))
    for index, module in params:
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            emit(f"{name}.{index}.running_mean.before", module.running_mean)
            emit(f"{name}.{index}.running_var.before", module.running_var)
    for p in range(passes):
        x = (torch.rand(batch, *sample_shape, generator=gen) * 2 - 1 + offset).requires_grad_(True)
        if p + 1 < passes:
            emit(f"{name}.x{p}", x)
            model(x)
    y = model(x)
    r = torch.rand(y.shape, generator=gen) * 2 - 1
    (y * r).sum().backward()
    emit(f"{name}.x", x)
    for index, module in params:
        for pname, p in module.named_parameters():
            emit(f"{name}.{index}.{pname}", p)
            emit(f"{name}.{index}.{pname}.grad", p.grad)
        for bname, b in module.named_buffers():
            emit(f"{name}.{index}.{bname}", b)
    emit(f"{name}.r", r)
    emit(f"{name}.y", y)
    emit(f"{name}.x.grad", x.grad)


def main():
    gen = torch.Generator().manual_seed(23)
    nn = torch.nn
    run("features", ChannelsLast(bn := nn.BatchNorm1d(5)), 4, (5,), gen, [(0, bn)])
    run("sequence", ChannelsLast(bn := nn.BatchNorm1d(3)), 2, (7, 3), gen, [(0, bn)])
    run("image_eps_momentum", ChannelsLast(bn := nn.BatchNorm2d(2, eps=1e-3, momentum=0.01)), 3, (5, 6, 2), gen, [(0, bn)])
    run("image_inference", ChannelsLast(bn := nn.BatchNorm2d(2)), 3, (5, 6, 2), gen, [(0, bn)], train=False)
    run("three_batches", ChannelsLast(bn := nn.BatchNorm1d(4)), 3, (6, 4), gen, [(0, bn)], passes=3, offset=50.0)
    # conv2d<4, 3, same, no_bias>, batch_norm<>, relu, max_pool2d<2>, flatten, dense<3>: indices 0..5.
    conv = nn.Conv2d(2, 4, 3, padding="same", bias=False)
    bn = nn.BatchNorm2d(4)
    dense = nn.Linear(2 * 3 * 4, 3)
    cnn = nn.Sequential(ChannelsLast(nn.Sequential(conv, bn, nn.ReLU(), nn.MaxPool2d(2))), Flatten(), dense)
    run("cnn", cnn, 3, (4, 6, 2), gen, [(0, conv), (1, bn), (5, dense)])


if __name__ == "__main__":
    main()
