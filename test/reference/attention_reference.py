#!/usr/bin/python3
"""Reference values for precast's transformer pieces, from PyTorch (Debian's python3-torch 1.13), in float64.

Each case is a module (or a small stack) on a batch of samples laid out as precast lays them out ([features] or
[steps, features], the last axis the normalized or model axis). Written per case: x, the parameters ("<case>.<precast
layer index>.<PyTorch name>"), an upstream gradient r, the output y, and the gradients of sum(y * r) for x and every
parameter (".grad"). PyTorch 1.13 has no nn.RMSNorm: rms_norm's reference is its definition in torch operations
(autograd differentiates it), y = weight * x * rsqrt(mean(x^2) + eps), as nn.RMSNorm computes it.

Regenerate with: /usr/bin/python3 test/reference/attention_reference.py > test/data/attention_reference.txt
"""
import torch

torch.set_default_dtype(torch.float64)


def emit(name, tensor):
    values = tensor.detach().reshape(-1).tolist()
    print(f"{name} {len(values)}")
    print(" ".join(repr(float(v)) for v in values))


class RMSNorm(torch.nn.Module):
    def __init__(self, features, eps=None):
        super().__init__()
        self.eps = torch.finfo(torch.float64).eps if eps is None else eps
        self.weight = torch.nn.Parameter(torch.ones(features))

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


def run(name, model, batch, sample_shape, gen, params, scale=1.0, offset=0.0, frozen=()):
    """params: (precast layer index, PyTorch module) named by that index. x is uniform in [-scale, scale] + offset.
    frozen: parameter names (as "<index>.<name>") kept out of the written ones (a PyTorch 1.13 LayerNorm's bias
    stands in for bias=False: zero, not trained)."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 1.6 - 0.8)
        for index, module in params:
            for pname, p in module.named_parameters():
                if f"{index}.{pname}" in frozen:
                    p.zero_()
                    p.requires_grad_(False)
    print(f"# {name}: {model}".replace("\n", " "))
    x = ((torch.rand(batch, *sample_shape, generator=gen) * 2 - 1) * scale + offset).requires_grad_(True)
    y = model(x)
    r = torch.rand(y.shape, generator=gen) * 2 - 1
    (y * r).sum().backward()
    emit(f"{name}.x", x)
    for index, module in params:
        for pname, p in module.named_parameters():
            if f"{index}.{pname}" in frozen:
                continue
            emit(f"{name}.{index}.{pname}", p)
            emit(f"{name}.{index}.{pname}.grad", p.grad)
    emit(f"{name}.r", r)
    emit(f"{name}.y", y)
    emit(f"{name}.x.grad", x.grad)


def run_tokens(name, model, batch, steps, vocabulary, gen, params, ids=None):
    """As run, for a model whose input is token ids: x holds the ids (as float64 numbers), and has no gradient."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 1.6 - 0.8)
        for index, module in params:
            if isinstance(module, torch.nn.Embedding) and module.padding_idx is not None:
                module.weight[module.padding_idx].zero_()
    print(f"# {name}: {model}".replace("\n", " "))
    x = torch.randint(vocabulary, (batch, steps), generator=gen) if ids is None else torch.tensor(ids)
    y = model(x)
    r = torch.rand(y.shape, generator=gen) * 2 - 1
    (y * r).sum().backward()
    emit(f"{name}.x", x.double())
    for index, module in params:
        for pname, p in module.named_parameters():
            emit(f"{name}.{index}.{pname}", p)
            emit(f"{name}.{index}.{pname}.grad", p.grad)
    emit(f"{name}.r", r)
    emit(f"{name}.y", y)


def main():
    gen = torch.Generator().manual_seed(24)
    nn = torch.nn
    # Activations on [-6, 6]: both tails and the curved middle.
    run("gelu", nn.GELU(), 3, (4, 7), gen, [], scale=6.0)
    run("gelu_tanh", nn.GELU(approximate="tanh"), 3, (4, 7), gen, [], scale=6.0)
    run("silu", nn.SiLU(), 3, (4, 7), gen, [], scale=6.0)
    # Normalizations over the last axis.
    run("layer_norm", ln := nn.LayerNorm(8), 3, (5, 8), gen, [(0, ln)])
    run("layer_norm_offset", ln := nn.LayerNorm(6, eps=1e-3), 4, (6,), gen, [(0, ln)], offset=100.0)
    run("layer_norm_no_bias", ln := nn.LayerNorm(7), 2, (3, 7), gen, [(0, ln)], frozen=("0.bias",))
    run("rms_norm", rms := RMSNorm(8, eps=1e-6), 3, (5, 8), gen, [(0, rms)], scale=2.0)
    run("rms_norm_machine_epsilon", rms := RMSNorm(5), 2, (5,), gen, [(0, rms)])
    # dense<16>, layer_norm<>, gelu<>, dense<6>, rms_norm<>, silu on [4, 6]: indices 0..5.
    d0, ln, d1, rms = nn.Linear(6, 16), nn.LayerNorm(16), nn.Linear(16, 6), RMSNorm(6)
    run("stack", nn.Sequential(d0, ln, nn.GELU(), d1, rms, nn.SiLU()), 3, (4, 6), gen, [(0, d0), (1, ln), (3, d1), (4, rms)])
    # Embeddings: repeated ids add up; padding_idx 0 (present in the batch) keeps a zero row and no gradient.
    run_tokens("embedding", emb := nn.Embedding(7, 5), 3, 9, 7, gen, [(0, emb)])
    run_tokens("embedding_padding", emb := nn.Embedding(6, 4, padding_idx=0), 2, 5, 6, gen, [(0, emb)],
               ids=[[0, 3, 3, 5, 0], [1, 0, 2, 3, 3]])
    # embedding<10, 8>, layer_norm<>, dense<10> per position: indices 0..2.
    emb, ln, head = nn.Embedding(10, 8), nn.LayerNorm(8), nn.Linear(8, 10)
    run_tokens("token_model", nn.Sequential(emb, ln, head), 2, 6, 10, gen, [(0, emb), (1, ln), (2, head)])


if __name__ == "__main__":
    main()
