"""PyTorch models in and out of precast, through .npz files.

From PyTorch to precast: `save_npz` writes a model's weights under the names precast's `load_npz` reads and
returns the precast network type that matches the model.

    import torch
    import precast_torch

    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    ...                                                    # train it
    print(precast_torch.save_npz(model, "model.npz", input_shape=(4,)))
    # precast::network<precast::input<4>, precast::dense<16>, precast::tanh, precast::dense<3>>

    // C++: that type, then
    net_t net;
    precast::load_npz("model.npz", net);

From precast to PyTorch: `load_npz` reads what precast's `save_npz` wrote into a model of the same architecture
(through `load_state_dict`, strict):

    precast_torch.load_npz(model, "trained.npz", input_shape=(4,))

The model is read as a chain: its submodules in the order they were registered, nested containers flattened,
each applied to the previous one's output (what nn.Sequential does, and what most models' forward does). With
`check=True` (the default) the conversion runs the model and the chain on the same random input and refuses a
model whose forward computes something else (a skip connection, a reshape, a step it does not register).
Supported: nn.Linear; nn.RNN (tanh or relu), nn.GRU and nn.LSTM with any num_layers (each layer becomes one
precast layer), batch_first; nn.Conv1d and nn.Conv2d (any stride, dilation, groups, zero padding, "same"), with an
nn.ConstantPad1d/2d or nn.ZeroPad2d of zeros before one folded into its padding (causal when it pads
(kernel - 1) * dilation on the left); nn.ConvTranspose1d/2d; nn.BatchNorm1d/2d (affine, with running statistics:
they go into the .npz too); nn.MaxPool1d/2d, nn.AvgPool1d/2d, nn.AdaptiveAvgPool1d/2d to 1 (global
average), nn.Upsample (nearest, an integer factor), nn.PReLU; nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU,
nn.ELU, nn.GELU (both forms), nn.SiLU, nn.Softmax over the last axis, nn.Identity, nn.Dropout, nn.Flatten;
nn.Embedding as the first layer (the model then takes token ids: input_shape is (steps,), and the type opens with
precast::tokens<steps, vocabulary>), nn.LayerNorm over the last axis, RMSNorm (nn.RMSNorm, or precast_torch.RMSNorm
on PyTorch before 2.4). Transformers are written with this module's precast_torch.SelfAttention (nn.MultiheadAttention
on one sequence, causal or not: precast's multi_head_attention), precast_torch.Residual (x + body(x): precast's
residual<...>), precast_torch.PositionEmbedding (learned) and precast_torch.SinusoidalPosition. Anything else is
refused by name (ConversionError).

Convolutional models take channels first in PyTorch ([C, L], [C, H, W]) and channels last in precast ([L, C],
[H, W, C]): give input_shape as the model takes it; the printed type takes the channels-last shape, and
to_precast_input(model, x, input_shape) moves a batch's channels last. A Linear after a Flatten of channels-first
values gets its weight columns reordered on the way (so its outputs are PyTorch's). A model whose forward
keeps only the last step of a recurrent layer's output (`out[:, -1]`) is written with last_step=True: the last
recurrent layer then gives precast's `last_step` output.

Command line, for a whole model saved with torch.save(model, "model.pt"):

    python3 precast_torch.py model.pt model.npz --input-shape 7 5 [--last-step]
"""

import argparse
import sys

import numpy
import torch

__all__ = ["ConversionError", "network_type", "save_npz", "load_npz", "state_dict_names", "to_precast_input", "SelfAttention", "Residual",
           "PositionEmbedding", "SinusoidalPosition", "RMSNorm"]


class ConversionError(ValueError):
    """A model precast cannot express, or a file that does not fit the model; the message says which part."""


class SelfAttention(torch.nn.Module):
    """Self-attention as precast's multi_head_attention<heads, ...> computes it: nn.MultiheadAttention (batch first)
    on one sequence as query, key and value, causal (steps see themselves and earlier steps only) when asked. Its
    parameters are the wrapped module's (state_dict "attention.in_proj_weight", ...)."""

    def __init__(self, width, heads, causal=False, bias=True, dropout=0.0):
        super().__init__()
        self.attention = torch.nn.MultiheadAttention(width, heads, dropout=dropout, bias=bias, batch_first=True)
        self.causal = causal

    def forward(self, x):
        mask = None
        if self.causal:
            steps = x.shape[1]
            mask = torch.triu(torch.full((steps, steps), float("-inf"), dtype=x.dtype, device=x.device), diagonal=1)
        return self.attention(x, x, x, need_weights=False, attn_mask=mask)[0]


class Residual(torch.nn.Module):
    """x + body(x), the body a chain of modules: precast's residual<...>."""

    def __init__(self, *body):
        super().__init__()
        self.body = torch.nn.Sequential(*body)

    def forward(self, x):
        return x + self.body(x)


class PositionEmbedding(torch.nn.Module):
    """A learned vector per position added to a sequence [steps, width] (GPT's): precast's position_embedding<>."""

    def __init__(self, steps, width):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(steps, width))

    def forward(self, x):
        return x + self.weight


class SinusoidalPosition(torch.nn.Module):
    """The fixed sine/cosine position table of Vaswani et al. added to a sequence: precast's sinusoidal_position<>."""

    def __init__(self, steps, width):
        super().__init__()
        position = torch.arange(steps, dtype=torch.float64)[:, None]
        frequency = torch.pow(10000.0, -torch.arange(0, width, 2, dtype=torch.float64) / width)
        table = torch.zeros(steps, width, dtype=torch.float64)
        table[:, 0::2] = torch.sin(position * frequency)
        table[:, 1::2] = torch.cos(position * frequency)[:, : width // 2]
        self.register_buffer("table", table, persistent=False)

    def forward(self, x):
        return x + self.table.to(x.dtype)


class RMSNorm(torch.nn.Module):
    """weight * x / sqrt(mean(x^2) + eps) over the last axis, as nn.RMSNorm (PyTorch 2.4 on; eps None: the dtype's
    machine epsilon): precast's rms_norm<>."""

    def __init__(self, width, eps=None):
        super().__init__()
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.ones(width))

    def forward(self, x):
        eps = torch.finfo(x.dtype).eps if self.eps is None else self.eps
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


_RECURRENT = (torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM)


def _literal(value):
    """A double as a C++ template argument (repr gives the shortest text that reads back as the same double)."""
    return repr(float(value))


class _Layer:
    """One precast layer: its spec, and its parameter tensors as (precast tensor name, PyTorch state_dict name)."""

    def __init__(self, spec, module_name, module, tensors=(), missing_bias=(), columns=None):
        self.spec = spec
        self.module_name = module_name
        self.module = module
        self.tensors = list(tensors)
        self.missing_bias = list(missing_bias)  # (precast name, shape): a recurrent bias=False, zeros in precast
        # A Linear after flattening channels-first values: precast's column j is PyTorch's column columns[j].
        self.columns = columns

    def to_precast(self, tensor, values):
        return values[:, self.columns] if self.columns is not None and tensor == "weights" else values

    def to_torch(self, tensor, values):
        return values[:, numpy.argsort(self.columns)] if self.columns is not None and tensor == "weights" else values


def _pair(value, rank):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * rank


def _explicit(name, values):
    """stride<2> for the same value on every axis, stride<2, 1> otherwise."""
    if all(v == values[0] for v in values):
        return f"precast::{name}<{values[0]}>"
    return f"precast::{name}<{', '.join(str(v) for v in values)}>"


def _axis_values(name, values):
    """stride<2>, stride<2, 1>, or nothing for all ones (the default)."""
    return [] if all(v == 1 for v in values) else [_explicit(name, values)]


def _padding_values(values):
    """padding<1>, padding<1, 2>, or nothing for no padding."""
    if not any(values):
        return []
    if all(v == values[0] for v in values):
        return [f"precast::padding<{values[0]}>"]
    return [f"precast::padding<{', '.join(str(v) for v in values)}>"]


def _window_literal(values):
    return str(values[0]) if all(v == values[0] for v in values) else f"precast::window{{{', '.join(str(v) for v in values)}}}"


def _output_extent(size, kernel, stride, dilation, before, after):
    return (size + before + after - dilation * (kernel - 1) - 1) // stride + 1


def _leaves(module, prefix=""):
    """The model's leaf modules in registration order, with their state_dict prefixes."""
    children = list(module.named_children())
    own = [name for name, _ in module.named_parameters(recurse=False)]
    if not children or isinstance(module, _UNITS):
        yield prefix, module
        return
    if own:
        raise ConversionError(
            f"module '{prefix.rstrip('.') or type(module).__name__}' ({type(module).__name__}) holds parameters of its own "
            f"({', '.join(own)}) beside submodules: precast cannot tell what it computes with them")
    for name, child in children:
        yield from _leaves(child, f"{prefix}{name}.")


# Modules that are one precast layer (or block) though they hold submodules.
_UNITS = (SelfAttention, Residual, torch.nn.MultiheadAttention)
_RMS_NORMS = (RMSNorm,) + ((torch.nn.RMSNorm,) if hasattr(torch.nn, "RMSNorm") else ())

_SPATIAL = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.ConvTranspose1d, torch.nn.ConvTranspose2d, torch.nn.MaxPool1d, torch.nn.MaxPool2d, torch.nn.AvgPool1d, torch.nn.AvgPool2d,
            torch.nn.AdaptiveAvgPool1d, torch.nn.AdaptiveAvgPool2d, torch.nn.Upsample, torch.nn.ConstantPad1d, torch.nn.ConstantPad2d,
            torch.nn.ZeroPad2d)
_SUPPORTED = ("Linear, RNN, GRU, LSTM, Conv1d, Conv2d (zero padding), ConvTranspose1d/2d, BatchNorm1d/2d, ConstantPad1d/2d and ZeroPad2d before a convolution, MaxPool1d/2d, "
              "AvgPool1d/2d, AdaptiveAvgPool1d/2d to 1, Upsample (nearest, integer factor), PReLU, ReLU, Tanh, Sigmoid, LeakyReLU, ELU, GELU, SiLU, "
              "Softmax over the last axis, Identity, Dropout, Flatten, Embedding (first), LayerNorm and RMSNorm over the last axis, and precast_torch's "
              "SelfAttention, Residual, PositionEmbedding, SinusoidalPosition")


class _Chain:
    """Walks the model's leaves, keeping the sample's shape as PyTorch sees it and as precast holds it.

    PyTorch's convolutions take channels first, [C, L] or [C, H, W]; precast's take channels last, [L, C] or [H, W, C].
    A model whose first layer that cares about the layout is spatial (a convolution, pooling, upsampling, a per-channel
    PReLU) is read channels-first: precast's input is the channels-last permutation of input_shape."""

    def __init__(self, input_shape):
        self.shape = list(input_shape)  # PyTorch's, without the batch axis
        self.layout = "plain" if len(input_shape) == 1 else None  # None: not yet known; "plain" or "channels_first"
        self.input_layout = self.layout
        self.squeezed = False  # after a global average pool: precast holds [C], PyTorch [C, 1, ...]
        self.columns = None  # after a Flatten of channels-first values: the permutation for the next Linear
        self.pad = None  # a ConstantPad's (before, after) per spatial axis, for the next convolution
        self.vocabulary = None  # a model opening with an Embedding takes token ids: its vocabulary's size

    def precast_shape(self):
        if self.layout == "channels_first":
            return [self.shape[0]] if self.squeezed else self.shape[1:] + [self.shape[0]]
        return list(self.shape)

    def decide(self, layout, where, what):
        if self.layout is None:
            self.layout = self.input_layout = layout
        elif self.layout != layout and len(self.shape) > 1:
            if layout == "plain":
                raise ConversionError(f"{where} acts on the last axis of channels-first values {tuple(self.shape)}; precast's samples are "
                                      "channels-last there, so the axes would differ (flatten first)")
            raise ConversionError(f"{where} {what} after a layer that acted on the last axis of {tuple(self.shape)}; precast cannot "
                                  "read the same values both ways")


def _layers(model, input_shape, last_step, chain_out=None):
    """The precast layers of the model (and, in chain_out, the _Chain that walked it)."""
    chain = _Chain(input_shape)
    layers = []
    leaves = list(_leaves(model))
    last_recurrent = max((i for i, (_, m) in enumerate(leaves) if isinstance(m, _RECURRENT)), default=None)
    if last_step and last_recurrent is None:
        raise ConversionError("last_step=True, but the model has no recurrent layer")
    nn = torch.nn
    for index, (prefix, module) in enumerate(leaves):
        where = f"'{prefix.rstrip('.') or type(module).__name__}' ({type(module).__name__})"
        shape = chain.shape
        if chain.pad is not None and not isinstance(module, (nn.Conv1d, nn.Conv2d)):
            raise ConversionError(f"{where} follows a ConstantPad/ZeroPad; precast folds zero padding into the next convolution only")
        if isinstance(module, nn.Linear):
            if len(shape) > 1:
                chain.decide("plain", where, "")
            if shape[-1] != module.in_features:
                raise ConversionError(f"{where} takes {module.in_features} features, but the chain gives it shape {tuple(shape)}")
            if module.bias is not None:
                layers.append(_Layer(f"precast::dense<{module.out_features}>", prefix, module,
                                     [("weights", prefix + "weight"), ("bias", prefix + "bias")], columns=chain.columns))
            else:
                layers.append(_Layer(f"precast::dense<{module.out_features}, precast::no_bias>", prefix, module,
                                     [("weights", prefix + "weight")], columns=chain.columns))
            chain.columns = None
            shape[-1] = module.out_features
        elif isinstance(module, _RECURRENT):
            if getattr(module, "bidirectional", False):
                raise ConversionError(f"{where} is bidirectional; precast's recurrent layers run forward only")
            if isinstance(module, nn.LSTM) and module.proj_size:
                raise ConversionError(f"{where} has proj_size={module.proj_size}; precast's lstm has no projection")
            if not module.batch_first:
                raise ConversionError(f"{where} has batch_first=False; build it with batch_first=True (the weights are the same), "
                                      "so that the chain can be checked on [batch, steps, features] input")
            if len(shape) != 2:
                raise ConversionError(f"{where} needs input of shape (steps, features); the chain gives it {tuple(shape)}")
            chain.decide("plain", where, "")
            if shape[-1] != module.input_size:
                raise ConversionError(f"{where} takes {module.input_size} features, but the chain gives it shape {tuple(shape)}")
            kind = {nn.RNN: "rnn", nn.GRU: "gru", nn.LSTM: "lstm"}[type(module)]
            hidden = module.hidden_size
            for layer in range(module.num_layers):
                options = []
                if kind == "rnn" and module.nonlinearity == "relu":
                    options.append("precast::relu")
                if index == last_recurrent and layer == module.num_layers - 1 and last_step:
                    options.append("precast::last_step")
                spec = f"precast::{kind}<{', '.join([str(hidden)] + options)}>"
                tensors = [("weight_ih", f"{prefix}weight_ih_l{layer}"), ("weight_hh", f"{prefix}weight_hh_l{layer}")]
                gates = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
                if module.bias:
                    tensors += [("bias_ih", f"{prefix}bias_ih_l{layer}"), ("bias_hh", f"{prefix}bias_hh_l{layer}")]
                    missing = []
                else:
                    missing = [("bias_ih", (gates * hidden,)), ("bias_hh", (gates * hidden,))]
                layers.append(_Layer(spec, prefix, module, tensors, missing))
            if module.dropout and module.num_layers > 1:
                print(f"precast_torch: {where} has dropout={module.dropout} between its layers; precast's network "
                      "has none there (it only matters in training)", file=sys.stderr)
            chain.shape = [hidden] if (index == last_recurrent and last_step) else [shape[0], hidden]
            if len(chain.shape) == 1:
                chain.layout = "plain"
        elif isinstance(module, _SPATIAL):
            _spatial_layer(chain, layers, prefix, module, where)
        elif isinstance(module, nn.PReLU):
            count = module.num_parameters
            if count == 1:
                layers.append(_Layer("precast::prelu<>", prefix, module, [("slopes", prefix + "weight")]))
            else:
                if len(shape) > 1:
                    chain.decide("channels_first", where, "learns one slope per channel (dim 1)")
                if shape[0] != count:
                    raise ConversionError(f"{where} has {count} slopes for dim 1 of {tuple(shape)}")
                layers.append(_Layer("precast::prelu<precast::per_channel>", prefix, module, [("slopes", prefix + "weight")]))
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if not module.affine:
                raise ConversionError(f"{where} has affine=False; precast's batch_norm learns a weight and a bias (build it with affine=True)")
            if not module.track_running_stats:
                raise ConversionError(f"{where} has track_running_stats=False; precast's batch_norm keeps running statistics for inference")
            if module.momentum is None:
                raise ConversionError(f"{where} has momentum=None (a cumulative average); precast's batch_norm takes a fixed statistics_momentum")
            ranks = (1, 2) if isinstance(module, nn.BatchNorm1d) else (3,)
            if len(shape) not in ranks:
                raise ConversionError(f"{where} takes samples of rank {' or '.join(str(r) for r in ranks)}; the chain gives it {tuple(shape)}")
            if len(shape) > 1:
                chain.decide("channels_first", where, "normalizes over channels (dim 1)")
            elif chain.columns is not None:
                raise ConversionError(f"{where} follows a Flatten of channels-first values: precast's features are in another order there")
            if shape[0] != module.num_features:
                raise ConversionError(f"{where} normalizes {module.num_features} channels, but the chain gives it shape {tuple(shape)}")
            options = [] if module.eps == 1e-5 else [f"precast::epsilon<{_literal(module.eps)}>"]
            options += [] if module.momentum == 0.1 else [f"precast::statistics_momentum<{_literal(module.momentum)}>"]
            tensors = [(t, prefix + t) for t in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")]
            layers.append(_Layer(f"precast::batch_norm<{', '.join(options)}>", prefix, module, tensors))
        elif isinstance(module, nn.ReLU):
            layers.append(_Layer("precast::relu", prefix, module))
        elif isinstance(module, nn.Tanh):
            layers.append(_Layer("precast::tanh", prefix, module))
        elif isinstance(module, nn.Sigmoid):
            layers.append(_Layer("precast::sigmoid", prefix, module))
        elif isinstance(module, nn.Identity):
            layers.append(_Layer("precast::identity", prefix, module))
        elif isinstance(module, nn.LeakyReLU):
            slope = module.negative_slope
            layers.append(_Layer("precast::leaky_relu<>" if slope == 0.01 else f"precast::leaky_relu<{_literal(slope)}>", prefix, module))
        elif isinstance(module, nn.ELU):
            alpha = module.alpha
            layers.append(_Layer("precast::elu<>" if alpha == 1.0 else f"precast::elu<{_literal(alpha)}>", prefix, module))
        elif isinstance(module, nn.Softmax):
            if module.dim not in (-1, len(shape)) and not (module.dim is None and len(shape) == 1):
                raise ConversionError(f"{where} normalizes over dim={module.dim}; precast's softmax normalizes over the last axis "
                                      f"(dim=-1 for samples of shape {tuple(shape)})")
            if len(shape) > 1:
                chain.decide("plain", where, "")
            if chain.columns is not None:
                raise ConversionError(f"{where} follows a Flatten of channels-first values: precast's order differs there")
            layers.append(_Layer("precast::softmax", prefix, module))
        elif isinstance(module, nn.Dropout):
            layers.append(_Layer(f"precast::dropout<{_literal(module.p)}>", prefix, module))
        elif isinstance(module, nn.Flatten):
            if module.start_dim != 1 or module.end_dim != -1:
                raise ConversionError(f"{where} flattens dims {module.start_dim} to {module.end_dim}; precast's flatten keeps "
                                      "the batch axis and flattens the rest (start_dim=1, end_dim=-1)")
            size = 1
            for extent in shape:
                size *= extent
            if len(chain.precast_shape()) > 1:
                layers.append(_Layer("precast::flatten", prefix, module))
            if chain.layout == "channels_first" and not chain.squeezed:
                columns = numpy.moveaxis(numpy.arange(size).reshape(shape), 0, -1).reshape(-1)
                chain.columns = None if numpy.array_equal(columns, numpy.arange(size)) else columns
            chain.shape = [size]
            chain.layout = "plain"
            chain.squeezed = False
        elif isinstance(module, nn.Embedding):
            if index != 0 or layers:
                raise ConversionError(f"{where} is not the first layer; precast's embedding takes token ids, which only the input holds")
            if len(shape) != 1:
                raise ConversionError(f"{where} takes a sequence of token ids, input_shape (steps,); it was given {tuple(shape)}")
            if module.max_norm is not None:
                raise ConversionError(f"{where} has max_norm={module.max_norm}; precast's embedding does not renormalize its rows")
            options = [] if module.padding_idx is None else [f"precast::padding_id<{module.padding_idx}>"]
            layers.append(_Layer(f"precast::embedding<{', '.join([str(module.num_embeddings), str(module.embedding_dim)] + options)}>", prefix, module,
                                 [("weight", prefix + "weight")]))
            chain.vocabulary = module.num_embeddings
            chain.shape = [shape[0], module.embedding_dim]
        elif isinstance(module, (PositionEmbedding, SinusoidalPosition)):
            if len(shape) != 2:
                raise ConversionError(f"{where} adds to a sequence [steps, width]; the chain gives it {tuple(shape)}")
            steps, width = (module.weight.shape if isinstance(module, PositionEmbedding) else module.table.shape)
            if (steps, width) != tuple(shape):
                raise ConversionError(f"{where} holds positions of shape {(steps, width)}, but the chain gives it {tuple(shape)}")
            chain.decide("plain", where, "")
            if isinstance(module, PositionEmbedding):
                layers.append(_Layer("precast::position_embedding<>", prefix, module, [("weight", prefix + "weight")]))
            else:
                layers.append(_Layer("precast::sinusoidal_position<>", prefix, module))
        elif isinstance(module, nn.LayerNorm):
            if tuple(module.normalized_shape) != (shape[-1],):
                raise ConversionError(f"{where} normalizes over {tuple(module.normalized_shape)}; precast's layer_norm normalizes the last axis "
                                      f"(normalized_shape ({shape[-1]},) here)")
            if not module.elementwise_affine:
                raise ConversionError(f"{where} has elementwise_affine=False; precast's layer_norm learns a weight (build it with elementwise_affine=True)")
            if len(shape) > 1:
                chain.decide("plain", where, "")
            options = [] if module.eps == 1e-5 else [f"precast::epsilon<{_literal(module.eps)}>"]
            tensors = [("weight", prefix + "weight")]
            if getattr(module, "bias", None) is not None:
                tensors.append(("bias", prefix + "bias"))
            else:
                options.append("precast::no_bias")
            layers.append(_Layer(f"precast::layer_norm<{', '.join(options)}>", prefix, module, tensors))
        elif isinstance(module, _RMS_NORMS):
            normalized = tuple(getattr(module, "normalized_shape", (module.weight.shape[0],)))
            if normalized != (shape[-1],) or getattr(module, "weight", None) is None:
                raise ConversionError(f"{where} must normalize the last axis ({shape[-1]} values) with a learned weight")
            if len(shape) > 1:
                chain.decide("plain", where, "")
            options = [] if module.eps is None else [f"precast::epsilon<{_literal(module.eps)}>"]
            layers.append(_Layer(f"precast::rms_norm<{', '.join(options)}>", prefix, module, [("weight", prefix + "weight")]))
        elif isinstance(module, nn.GELU):
            layers.append(_Layer("precast::gelu<precast::tanh_approximation>" if module.approximate == "tanh" else "precast::gelu<>", prefix, module))
        elif isinstance(module, nn.SiLU):
            layers.append(_Layer("precast::silu", prefix, module))
        elif isinstance(module, (SelfAttention, nn.MultiheadAttention)):
            if isinstance(module, nn.MultiheadAttention):
                raise ConversionError(f"{where} is an nn.MultiheadAttention on its own, which takes (query, key, value): wrap it as "
                                      "precast_torch.SelfAttention (one sequence as all three), which precast's multi_head_attention computes")
            attention = module.attention
            if len(shape) != 2 or shape[-1] != attention.embed_dim:
                raise ConversionError(f"{where} attends over [steps, {attention.embed_dim}]; the chain gives it {tuple(shape)}")
            if not attention._qkv_same_embed_dim or attention.bias_k is not None or attention.add_zero_attn:
                raise ConversionError(f"{where} has kdim/vdim, add_bias_kv or add_zero_attn; precast's multi_head_attention has none of them")
            chain.decide("plain", where, "")
            options = [str(attention.num_heads)]
            options += ["precast::causal"] if module.causal else []
            options += [f"precast::attention_dropout<{_literal(attention.dropout)}>"] if attention.dropout else []
            with_bias = attention.in_proj_bias is not None
            options += [] if with_bias else ["precast::no_bias"]
            names = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"] if with_bias else ["in_proj_weight", "out_proj.weight"]
            layers.append(_Layer(f"precast::multi_head_attention<{', '.join(options)}>", prefix, module,
                                 [(name, f"{prefix}attention.{name}") for name in names]))
        elif isinstance(module, Residual):
            if chain.layout == "channels_first":
                raise ConversionError(f"{where} is around channels-first layers; the converter reads residual blocks of samples whose last axis "
                                      "is the features' (dense, normalization, attention, recurrent layers)")
            inner, inner_shape = _layers(module.body, tuple(shape), False)
            if list(inner_shape) != list(shape):
                raise ConversionError(f"{where}: its body turns {tuple(shape)} into {tuple(inner_shape)}; a residual's body keeps the shape")
            # Inside the body, precast names its layers body.<j>.*, PyTorch its modules <prefix>body.<name>.
            tensors = [(f"body.{j}.{tensor}", f"{prefix}body.{name}") for j, layer in enumerate(inner) for tensor, name in layer.tensors]
            layers.append(_Layer(f"precast::residual<{', '.join(l.spec for l in inner)}>", prefix, module, tensors))
        else:
            raise ConversionError(f"{where} has no precast layer (supported: {_SUPPORTED})")
    if not layers:
        raise ConversionError("the model has no layer")
    if chain.pad is not None:
        raise ConversionError("the model ends with a ConstantPad/ZeroPad; precast folds zero padding into the next convolution only")
    if chain.columns is not None:
        raise ConversionError("the model ends with a Flatten of channels-first values: precast's outputs would be in another order "
                              "(channels last); end with a Linear, or flatten in PyTorch after moving the channels last")
    if chain_out is not None:
        chain_out.append(chain)
    return layers, chain.shape


def _spatial_layer(chain, layers, prefix, module, where):
    """Convolutions, padding, pooling and upsampling, on channels-first values."""
    nn = torch.nn
    shape = chain.shape
    rank = 1 if isinstance(module, (nn.Conv1d, nn.ConvTranspose1d, nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d, nn.ConstantPad1d)) else 2
    if isinstance(module, nn.Upsample):
        rank = len(shape) - 1
    names = "(channels, length)" if rank == 1 else "(channels, height, width)"
    if len(shape) != rank + 1 or rank < 1:
        raise ConversionError(f"{where} needs samples of shape {names}; the chain gives it {tuple(shape)}")
    chain.decide("channels_first", where, "takes channels first")
    if chain.squeezed:
        raise ConversionError(f"{where} follows a global average pool; flatten first")
    spatial = shape[1:]
    if isinstance(module, (nn.ConstantPad1d, nn.ConstantPad2d, nn.ZeroPad2d)):
        if float(module.value) != 0.0:
            raise ConversionError(f"{where} pads with {module.value}; precast's convolutions pad with zeros")
        pads = _pair(module.padding, 2 * rank)
        # F.pad's order is the last axis first: (left, right[, top, bottom]).
        sides = [(pads[2 * (rank - 1 - axis)], pads[2 * (rank - 1 - axis) + 1]) for axis in range(rank)]
        if any(p < 0 for side in sides for p in side):
            raise ConversionError(f"{where} crops (negative padding); precast pads only")
        if chain.pad is not None:
            sides = [(a[0] + b[0], a[1] + b[1]) for a, b in zip(chain.pad, sides)]
        chain.pad = sides
        chain.shape = [shape[0]] + [s + b + a for s, (b, a) in zip(spatial, sides)]
        return
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d)):
        if shape[0] != module.in_channels:
            raise ConversionError(f"{where} takes {module.in_channels} channels, but the chain gives it shape {tuple(shape)}")
        if module.padding_mode != "zeros":
            raise ConversionError(f"{where} has padding_mode='{module.padding_mode}'; precast pads with zeros")
        kernel, stride, dilation = _pair(module.kernel_size, rank), _pair(module.stride, rank), _pair(module.dilation, rank)
        padding, extra = _pair(module.padding, rank), _pair(module.output_padding, rank)
        if any(e >= s for e, s in zip(extra, stride)):
            raise ConversionError(f"{where} has output_padding={module.output_padding} not below its stride; precast's conv_transpose needs it below")
        options = _axis_values("stride", list(stride)) + _padding_values(list(padding))
        options += [_explicit("output_padding", list(extra))] if any(extra) else []
        options += _axis_values("dilation", list(dilation))
        if module.groups != 1:
            options.append(f"precast::groups<{module.groups}>")
        tensors = [("weights", prefix + "weight")]
        if module.bias is not None:
            tensors.append(("bias", prefix + "bias"))
        else:
            options.append("precast::no_bias")
        spec = f"precast::conv_transpose{rank}d<{', '.join([str(module.out_channels), _window_literal(kernel)] + options)}>"
        layers.append(_Layer(spec, prefix, module, tensors))
        chain.shape = [module.out_channels] + [(s - 1) * st - 2 * p + d * (k - 1) + e + 1
                                               for s, k, st, d, p, e in zip(spatial, kernel, stride, dilation, padding, extra)]
        return
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        if shape[0] != module.in_channels:
            raise ConversionError(f"{where} takes {module.in_channels} channels, but the chain gives it shape {tuple(shape)}")
        if module.padding_mode != "zeros":
            raise ConversionError(f"{where} has padding_mode='{module.padding_mode}'; precast pads with zeros")
        kernel, stride, dilation = _pair(module.kernel_size, rank), _pair(module.stride, rank), _pair(module.dilation, rank)
        pre = chain.pad
        chain.pad = None
        if isinstance(module.padding, str):
            if module.padding == "same":
                total = [d * (k - 1) for k, d in zip(kernel, dilation)]
                own = [(t // 2, t - t // 2) for t in total]
            else:
                own = [(0, 0)] * rank
        else:
            own = [(p, p) for p in _pair(module.padding, rank)]
        sides = own if pre is None else [(a[0] + b[0], a[1] + b[1]) for a, b in zip(pre, own)]
        input_spatial = spatial if pre is None else [s - b - a for s, (b, a) in zip(spatial, pre)]
        options = []
        if pre is None and isinstance(module.padding, str) and module.padding == "same":
            options.append("precast::same")
        elif rank == 1 and sides[0][1] == 0 and sides[0][0] == dilation[0] * (kernel[0] - 1) and sides[0][0] > 0:
            options.append("precast::causal")
        elif all(b == a for b, a in sides):
            options += _padding_values([b for b, _ in sides])
        else:
            flat = [str(p) for side in sides for p in side]
            options.append(f"precast::padding_sides<{', '.join(flat)}>")
        options += _axis_values("stride", list(stride)) + _axis_values("dilation", list(dilation))
        if module.groups != 1:
            options.append("precast::depthwise" if module.groups == module.in_channels else f"precast::groups<{module.groups}>")
        tensors = [("weights", prefix + "weight")]
        if module.bias is not None:
            tensors.append(("bias", prefix + "bias"))
        else:
            options.append("precast::no_bias")
        spec = f"precast::conv{rank}d<{', '.join([str(module.out_channels), _window_literal(kernel)] + options)}>"
        layers.append(_Layer(spec, prefix, module, tensors))
        chain.shape = [module.out_channels] + [_output_extent(s, k, st, d, b, a)
                                               for s, k, st, d, (b, a) in zip(input_spatial, kernel, stride, dilation, sides)]
        return
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
        is_max = isinstance(module, (nn.MaxPool1d, nn.MaxPool2d))
        if module.ceil_mode:
            raise ConversionError(f"{where} has ceil_mode=True; precast's pooling rounds the output extent down")
        if is_max and module.return_indices:
            raise ConversionError(f"{where} returns indices; precast's max pooling returns the values")
        if not is_max and module.divisor_override is not None:
            raise ConversionError(f"{where} has divisor_override; precast divides by the window (or the values it covers)")
        kernel = _pair(module.kernel_size, rank)
        stride = _pair(module.stride if module.stride is not None else module.kernel_size, rank)
        padding = _pair(module.padding, rank)
        dilation = _pair(module.dilation, rank) if is_max else (1,) * rank
        options = [_explicit("stride", list(stride))] if tuple(stride) != tuple(kernel) else []
        options += _padding_values(list(padding))
        options += _axis_values("dilation", list(dilation))
        if not is_max and not module.count_include_pad and any(padding):
            options.append("precast::exclude_padding")
        kind = "max" if is_max else "avg"
        layers.append(_Layer(f"precast::{kind}_pool{rank}d<{', '.join([_window_literal(kernel)] + options)}>", prefix, module))
        chain.shape = [shape[0]] + [_output_extent(s, k, st, d, p, p) for s, k, st, d, p in zip(spatial, kernel, stride, dilation, padding)]
        return
    if isinstance(module, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d)):
        if any(v != 1 for v in _pair(module.output_size, rank)):
            raise ConversionError(f"{where} pools to {module.output_size}; precast's global_avg_pool pools to 1")
        layers.append(_Layer("precast::global_avg_pool", prefix, module))
        chain.shape = [shape[0]] + [1] * rank
        chain.squeezed = True
        return
    # Upsample
    if module.mode != "nearest" or module.size is not None or module.scale_factor is None:
        raise ConversionError(f"{where} is mode='{module.mode}' with size={module.size}; precast's upsample repeats each value "
                              "(mode='nearest', an integer scale_factor)")
    factors = _pair(module.scale_factor, rank)
    if any(float(f) != float(factors[0]) or float(f) != int(f) or f < 1 for f in factors):
        raise ConversionError(f"{where} scales by {module.scale_factor}; precast's upsample takes one integer factor for every axis")
    factor = int(factors[0])
    layers.append(_Layer(f"precast::upsample<{factor}>", prefix, module))
    chain.shape = [shape[0]] + [s * factor for s in spatial]


def _dtype(model):
    dtypes = {p.dtype for p in model.parameters()}
    if len(dtypes) > 1:
        raise ConversionError(f"the model mixes parameter types {sorted(str(d) for d in dtypes)}; precast networks have one")
    dtype = dtypes.pop() if dtypes else torch.float32
    if dtype not in (torch.float32, torch.float64):
        raise ConversionError(f"the model's parameters are {dtype}; precast takes float32 (float) or float64 (double)")
    return dtype


def _input_spec(input_shape, dtype, vocabulary=None):
    element = "" if dtype == torch.float32 else ", double"
    if vocabulary is not None:
        return f"precast::tokens<{input_shape[0]}, {vocabulary}{element}>"
    if len(input_shape) == 1:
        return f"precast::input<{input_shape[0]}{element}>"
    return f"precast::input_of<precast::shape<{', '.join(str(n) for n in input_shape)}>{element}>"


def _check_chain(model, layers, modules, input_shape, dtype, last_step):
    """Runs the model and its chain on the same input: they must agree, or the model is not a chain."""
    generator = torch.Generator().manual_seed(0)
    vocabulary = layers[0].module.num_embeddings if isinstance(layers[0].module, torch.nn.Embedding) else None
    if vocabulary is not None:
        x = torch.randint(vocabulary, (3, *input_shape), generator=generator)
    else:
        x = torch.rand((3, *input_shape), generator=generator, dtype=dtype) * 2 - 1
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            expected = model(x)
            if isinstance(expected, tuple):
                expected = expected[0]
            y = x
            for module in modules:  # every leaf, also those with no precast layer of their own (a padding, a flatten of [C, 1])
                if isinstance(module, _RECURRENT):
                    y = module(y)[0]
                    if any(l.module is module and "precast::last_step" in l.spec for l in layers):
                        y = y[:, -1]
                else:
                    y = module(y)
    finally:
        model.train(was_training)
    if tuple(y.shape) != tuple(expected.shape):
        difference = f"its output has shape {tuple(expected.shape)}, the chain's {tuple(y.shape)}"
    elif not torch.allclose(y, expected, rtol=1e-5, atol=1e-6):
        difference = f"the outputs differ by up to {float((y - expected).abs().max()):.3g}"
    else:
        return
    recurrent = any(isinstance(l.module, _RECURRENT) for l in layers)
    hint = " If forward keeps only the last step of a recurrent layer, pass last_step=True." if recurrent and not last_step else ""
    raise ConversionError(f"the model's forward does not compute what its submodules compute one after the other "
                          f"({difference}): precast reads a model as that chain.{hint}")


def _precast_input_shape(chain, input_shape):
    if chain.input_layout == "channels_first":
        return tuple(input_shape[1:]) + (input_shape[0],)
    return tuple(input_shape)


def network_type(model, input_shape, last_step=False, check=True):
    """The precast network type of the model, for samples of shape input_shape (without the batch axis, as the model
    takes them: channels first for a convolutional model; precast's input is then channels last)."""
    input_shape = tuple(int(n) for n in input_shape)
    dtype = _dtype(model)
    chains = []
    layers, _ = _layers(model, input_shape, last_step, chains)
    if check:
        _check_chain(model, layers, [m for _, m in _leaves(model)], input_shape, dtype, last_step)
    return f"precast::network<{_input_spec(_precast_input_shape(chains[0], input_shape), dtype, chains[0].vocabulary)}, {', '.join(l.spec for l in layers)}>"


def to_precast_input(model, x, input_shape, last_step=False):
    """A batch of the model's inputs (a tensor or array [batch, *input_shape]) as precast's network takes them: channels
    moved last for a convolutional model, unchanged otherwise. Returns a numpy array."""
    chains = []
    _layers(model, tuple(int(n) for n in input_shape), last_step, chains)
    values = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else numpy.asarray(x)
    if chains[0].input_layout == "channels_first":
        values = numpy.ascontiguousarray(numpy.moveaxis(values, 1, -1))
    return values


def state_dict_names(model, input_shape, last_step=False):
    """{precast tensor name: PyTorch state_dict name}, e.g. {"0.weight_ih": "lstm.weight_ih_l0", "2.weights": "fc.weight"}: the
    parameters, and batch_norm's running statistics ("1.running_mean": "bn.running_mean")."""
    layers, _ = _layers(model, tuple(input_shape), last_step)
    return {f"{i}.{tensor}": name for i, layer in enumerate(layers) for tensor, name in layer.tensors}


def save_npz(model, path, input_shape, last_step=False, check=True):
    """Writes the model's parameters as an .npz precast's load_npz reads; returns the precast network type."""
    input_shape = tuple(int(n) for n in input_shape)
    type_name = network_type(model, input_shape, last_step, check)
    layers, _ = _layers(model, input_shape, last_step)
    state = model.state_dict()
    dtype = numpy.float32 if _dtype(model) == torch.float32 else numpy.float64
    arrays = {}
    for i, layer in enumerate(layers):
        for tensor, name in layer.tensors:
            arrays[f"{i}.{tensor}"] = numpy.array(layer.to_precast(tensor, state[name].detach().cpu().numpy().astype(dtype)), order="C")
        for tensor, shape in layer.missing_bias:
            arrays[f"{i}.{tensor}"] = numpy.zeros(shape, dtype=dtype)
    for name, values in arrays.items():
        if not numpy.all(numpy.isfinite(values)):
            raise ConversionError(f"parameter {name} holds NaN or infinity; precast refuses non-finite parameters")
    numpy.savez(path, **arrays)
    return type_name


def load_npz(model, path, input_shape, last_step=False):
    """Loads an .npz written by precast's save_npz into the model (load_state_dict, strict); returns the model."""
    input_shape = tuple(int(n) for n in input_shape)
    layers, _ = _layers(model, input_shape, last_step)
    state = {}
    with numpy.load(path) as archive:
        available = set(archive.files)
        wanted = set()
        for i, layer in enumerate(layers):
            for tensor, name in layer.tensors:
                key = f"{i}.{tensor}"
                wanted.add(key)
                if key not in available:
                    raise ConversionError(f"{path} has no array {key} (for {name}); was it written for this architecture?")
                state[name] = torch.from_numpy(numpy.array(layer.to_torch(tensor, numpy.array(archive[key])), order="C"))
            for tensor, _ in layer.missing_bias:
                key = f"{i}.{tensor}"
                wanted.add(key)
                if key in available and numpy.any(archive[key] != 0):
                    raise ConversionError(f"{path} has a nonzero {key}, but the PyTorch layer '{layer.module_name.rstrip('.')}' has no bias")
        extra = sorted(available - wanted)
        if extra:
            raise ConversionError(f"{path} has arrays this model does not ({', '.join(extra)}): it was written for another architecture")
    reference = model.state_dict()
    for name, values in state.items():
        if tuple(values.shape) != tuple(reference[name].shape):
            raise ConversionError(f"{path}: {name} has shape {tuple(values.shape)}; the model's is {tuple(reference[name].shape)}")
        state[name] = values.to(reference[name].dtype)
    model.load_state_dict(state, strict=True)
    return model


def _main(argv):
    parser = argparse.ArgumentParser(description="Writes a PyTorch model (torch.save) as an .npz precast loads; prints its precast type.")
    parser.add_argument("model", help="a whole model saved with torch.save(model, path)")
    parser.add_argument("npz", help="the .npz file to write")
    parser.add_argument("--input-shape", type=int, nargs="+", required=True, help="one sample's shape, without the batch axis")
    parser.add_argument("--last-step", action="store_true", help="the model keeps only the last step of its last recurrent layer")
    args = parser.parse_args(argv)
    model = torch.load(args.model)
    try:
        print(save_npz(model, args.npz, args.input_shape, last_step=args.last_step))
    except ConversionError as error:
        print(f"precast_torch: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
