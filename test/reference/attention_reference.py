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


class SelfAttention(torch.nn.Module):
    """nn.MultiheadAttention on one sequence as query, key and value (batch first), causal by an attn_mask of -inf
    above the diagonal, as precast's multi_head_attention<Heads> takes it."""

    def __init__(self, width, heads, causal=False, bias=True):
        super().__init__()
        self.attention = torch.nn.MultiheadAttention(width, heads, bias=bias, batch_first=True)
        self.causal = causal

    def forward(self, x):
        steps = x.shape[1]
        mask = torch.triu(torch.full((steps, steps), float("-inf")), diagonal=1) if self.causal else None
        return self.attention(x, x, x, need_weights=False, attn_mask=mask)[0]


class Residual(torch.nn.Module):
    def __init__(self, *body):
        super().__init__()
        self.body = torch.nn.Sequential(*body)

    def forward(self, x):
        return x + self.body(x)


class GPT(torch.nn.Module):
    """One pre-norm block: token and learned position embeddings, causal self-attention and a GELU MLP, each in a
    residual, a final layer norm and a linear head: precast's network<tokens<S, V>, embedding<V, E>,
    position_embedding<>, residual<layer_norm<>, multi_head_attention<H, causal>>, residual<layer_norm<>, dense<4E>,
    gelu<>, dense<E>>, layer_norm<>, dense<V>>."""

    def __init__(self, vocabulary, steps, width, heads):
        super().__init__()
        nn = torch.nn
        self.tokens = nn.Embedding(vocabulary, width)
        self.positions = nn.Embedding(steps, width)
        self.ln1, self.attention = nn.LayerNorm(width), SelfAttention(width, heads, causal=True)
        self.ln2, self.up, self.down = nn.LayerNorm(width), nn.Linear(width, 4 * width), nn.Linear(4 * width, width)
        self.ln_f, self.head = nn.LayerNorm(width), nn.Linear(width, vocabulary)

    def forward(self, ids):
        h = self.tokens(ids) + self.positions.weight
        h = h + self.attention(self.ln1(h))
        h = h + self.down(torch.nn.functional.gelu(self.up(self.ln2(h))))
        return self.head(self.ln_f(h))

    def named(self):
        return [(0, self.tokens), (1, self.positions), ("2.body.0", self.ln1), ("2.body.1", self.attention.attention),
                ("3.body.0", self.ln2), ("3.body.1", self.up), ("3.body.3", self.down), (4, self.ln_f), (5, self.head)]


def run_gpt(name, batch, steps, vocabulary, width, heads, gen):
    """The loss (mean cross-entropy of every position's next token) and its gradients."""
    model = GPT(vocabulary, steps, width, heads)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 1.6 - 0.8)
    print(f"# {name}: {model}".replace("\n", " "))
    x = torch.randint(vocabulary, (batch, steps), generator=gen)
    labels = torch.randint(vocabulary, (batch, steps), generator=gen)
    loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, vocabulary), labels.reshape(-1))
    loss.backward()
    emit(f"{name}.x", x.double())
    emit(f"{name}.labels", labels.double())
    emit(f"{name}.loss", loss.reshape(1))
    for index, module in model.named():
        for pname, p in module.named_parameters():
            emit(f"{name}.{index}.{pname}", p)
            emit(f"{name}.{index}.{pname}.grad", p.grad)


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
    # Self-attention: plain, causal, without biases (PyTorch's state_dict names, precast's layer index 0).
    run("attention", a := SelfAttention(8, 2), 3, (5, 8), gen, [(0, a.attention)])
    run("attention_causal", a := SelfAttention(6, 3, causal=True), 2, (4, 6), gen, [(0, a.attention)])
    run("attention_no_bias", a := SelfAttention(4, 1, bias=False), 2, (3, 4), gen, [(0, a.attention)])
    # A pre-norm transformer block: residual<layer_norm, attention>, residual<layer_norm, dense, gelu, dense>.
    ln1, att, ln2, up, down = nn.LayerNorm(8), SelfAttention(8, 2, causal=True), nn.LayerNorm(8), nn.Linear(8, 32), nn.Linear(32, 8)
    run("block", nn.Sequential(Residual(ln1, att), Residual(ln2, up, nn.GELU(), down)), 2, (6, 8), gen,
        [("0.body.0", ln1), ("0.body.1", att.attention), ("1.body.0", ln2), ("1.body.1", up), ("1.body.3", down)])
    # Embeddings: repeated ids add up; padding_idx 0 (present in the batch) keeps a zero row and no gradient.
    run_tokens("embedding", emb := nn.Embedding(7, 5), 3, 9, 7, gen, [(0, emb)])
    run_tokens("embedding_padding", emb := nn.Embedding(6, 4, padding_idx=0), 2, 5, 6, gen, [(0, emb)],
               ids=[[0, 3, 3, 5, 0], [1, 0, 2, 3, 3]])
    # embedding<10, 8>, layer_norm<>, dense<10> per position: indices 0..2.
    emb, ln, head = nn.Embedding(10, 8), nn.LayerNorm(8), nn.Linear(8, 10)
    run_tokens("token_model", nn.Sequential(emb, ln, head), 2, 6, 10, gen, [(0, emb), (1, ln), (2, head)])
    # A one-block GPT: vocabulary 11, 7 steps, width 8, 2 heads, batch 3.
    run_gpt("gpt", 3, 7, 11, 8, 2, gen)


if __name__ == "__main__":
    main()
