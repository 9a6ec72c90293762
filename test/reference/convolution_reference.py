#!/usr/bin/python3
"""Reference values for precast's convolution, pooling, upsampling and PReLU layers, from PyTorch (Debian's
python3-torch), in float64.

Each case is one PyTorch module (or a small CNN) on a batch of 2 channels-last samples, as precast lays them out:
[length, channels] or [height, width, channels]. PyTorch computes in channels-first, so the script permutes on the
way in and out; paddings PyTorch's modules do not take (asymmetric, causal, "same" with a stride) are F.pad
before the module, computed here from TensorFlow's rule (out = ceil(in / stride), the odd zero after). Written per
case: x, every parameter in PyTorch's layout under "<case>.<precast layer index>.<PyTorch name>", an upstream
gradient r shaped like the output, the output y, and the gradients of sum(y * r) with respect to x and every
parameter (".grad").

Regenerate with: /usr/bin/python3 test/reference/convolution_reference.py > test/data/convolution_reference.txt
"""
import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
BATCH = 2


def emit(name, tensor):
    values = tensor.detach().reshape(-1).tolist()
    print(f"{name} {len(values)}")
    print(" ".join(repr(float(v)) for v in values))


def same_pads(size, kernel, stride, dilation=1):
    out = -(-size // stride)
    span = dilation * (kernel - 1) + 1
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


class ChannelsLast(torch.nn.Module):
    """Runs a channels-first module on channels-last samples, padding first if asked (F.pad's order)."""

    def __init__(self, module, pad=None, pad_value=0.0):
        super().__init__()
        self.module = module
        self.pad = pad
        self.pad_value = pad_value

    def forward(self, x):
        spatial = x.dim() - 2
        x = x.permute(0, x.dim() - 1, *range(1, x.dim() - 1))
        if self.pad is not None:
            x = F.pad(x, self.pad, value=self.pad_value)
        y = self.module(x)
        return y.permute(0, *range(2, 2 + spatial), 1)


class Flatten(torch.nn.Module):
    def forward(self, x):
        return x.flatten(1)


def run(name, model, sample_shape, gen, params):
    """params: (precast layer index, PyTorch module) whose parameters precast names by that index."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 1.6 - 0.8)
    x = (torch.rand(BATCH, *sample_shape, generator=gen) * 2 - 1).requires_grad_(True)
    y = model(x)
    r = torch.rand(y.shape, generator=gen) * 2 - 1
    (y * r).sum().backward()
    print(f"# {name}: {model}".replace("\n", " "))
    emit(f"{name}.x", x)
    for index, module in params:
        for pname, p in module.named_parameters():
            emit(f"{name}.{index}.{pname}", p)
            emit(f"{name}.{index}.{pname}.grad", p.grad)
    emit(f"{name}.r", r)
    emit(f"{name}.y", y)
    emit(f"{name}.x.grad", x.grad)


def single(name, module, sample_shape, gen, pad=None, pad_value=0.0):
    run(name, ChannelsLast(module, pad, pad_value), sample_shape, gen, [(0, module)])


def main():
    gen = torch.Generator().manual_seed(11)
    seq = (9, 3)  # [length, channels]
    img = (5, 6, 2)  # [height, width, channels]
    nn = torch.nn
    # conv1d
    single("conv1d_plain", nn.Conv1d(3, 4, 3), seq, gen)
    single("conv1d_stride_dilation", nn.Conv1d(3, 5, 2, stride=2, dilation=2), seq, gen)
    single("conv1d_same_even_kernel", nn.Conv1d(3, 3, 4, padding="same"), seq, gen)
    single("conv1d_same_stride", nn.Conv1d(3, 3, 4, stride=3), seq, gen, pad=same_pads(9, 4, 3))
    single("conv1d_causal", nn.Conv1d(3, 2, 3, dilation=3), seq, gen, pad=(6, 0))
    single("conv1d_sides_no_bias", nn.Conv1d(3, 2, 3, bias=False), seq, gen, pad=(2, 1))
    single("conv1d_groups", nn.Conv1d(3, 6, 3, groups=3, padding=1), seq, gen)
    single("conv1d_depthwise", nn.Conv1d(3, 6, 5, groups=3, padding="same"), seq, gen)
    single("conv1d_pointwise", nn.Conv1d(3, 4, 1), seq, gen)
    # conv2d
    single("conv2d_plain", nn.Conv2d(2, 3, 3), img, gen)
    single("conv2d_rectangular", nn.Conv2d(2, 4, (2, 3), stride=(2, 1), padding=(1, 2)), img, gen)
    h, w = same_pads(5, 3, 2), same_pads(6, 3, 2)
    single("conv2d_same_stride", nn.Conv2d(2, 2, 3, stride=2), img, gen, pad=(w[0], w[1], h[0], h[1]))
    single("conv2d_dilation_sides", nn.Conv2d(2, 2, 2, dilation=(2, 1), bias=False), img, gen, pad=(2, 0, 0, 1))
    single("conv2d_groups", nn.Conv2d(2, 4, 3, groups=2, padding="same"), img, gen)
    single("conv2d_depthwise", nn.Conv2d(2, 4, 3, groups=2, padding=1), img, gen)
    # transposed convolutions
    single("conv_transpose1d", nn.ConvTranspose1d(3, 4, 4, stride=2, padding=1), seq, gen)
    single("conv_transpose1d_groups_output_padding", nn.ConvTranspose1d(3, 6, 3, stride=3, padding=2, output_padding=1, groups=3, dilation=2), seq, gen)
    single("conv_transpose2d", nn.ConvTranspose2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0), bias=False), img, gen)
    # pooling, upsampling, PReLU
    single("max_pool1d", nn.MaxPool1d(3, stride=2, padding=1, dilation=2), seq, gen)
    h, w = same_pads(5, 3, 2), same_pads(6, 3, 2)
    single("max_pool2d_same", nn.MaxPool2d(3, stride=2), img, gen, pad=(w[0], w[1], h[0], h[1]), pad_value=-math.inf)
    single("avg_pool1d", nn.AvgPool1d(3, stride=2, padding=1), seq, gen)
    single("avg_pool2d_exclude_padding", nn.AvgPool2d((3, 2), stride=(1, 2), padding=(1, 0), count_include_pad=False), img, gen)
    single("upsample1d", nn.Upsample(scale_factor=2, mode="nearest"), seq, gen)
    single("upsample2d", nn.Upsample(scale_factor=3, mode="nearest"), img, gen)
    single("prelu_per_channel", nn.PReLU(2), img, gen)
    # A small CNN: conv2d<4, 3, same>, relu, max_pool2d<2>, flatten, dense<3> (precast's layer indices 0..4).
    conv = nn.Conv2d(2, 4, 3, padding="same")
    dense = nn.Linear(2 * 3 * 4, 3)
    cnn = nn.Sequential(ChannelsLast(nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2))), Flatten(), dense)
    run("cnn", cnn, (4, 6, 2), gen, [(0, conv), (4, dense)])


if __name__ == "__main__":
    main()
