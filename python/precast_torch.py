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
precast layer), batch_first; nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.ELU, nn.Softmax over the last axis,
nn.Identity, nn.Dropout, nn.Flatten. Anything else is refused by name (ConversionError). A model whose forward
keeps only the last step of a recurrent layer's output (`out[:, -1]`) is written with last_step=True: the last
recurrent layer then gives precast's `last_step` output.

Command line, for a whole model saved with torch.save(model, "model.pt"):

    python3 precast_torch.py model.pt model.npz --input-shape 7 5 [--last-step]
"""

import argparse
import sys

import numpy
import torch

__all__ = ["ConversionError", "network_type", "save_npz", "load_npz", "state_dict_names"]


class ConversionError(ValueError):
    """A model precast cannot express, or a file that does not fit the model; the message says which part."""


_RECURRENT = (torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM)


def _literal(value):
    """A double as a C++ template argument (repr gives the shortest text that reads back as the same double)."""
    return repr(float(value))


class _Layer:
    """One precast layer: its spec, and its parameter tensors as (precast tensor name, PyTorch state_dict name)."""

    def __init__(self, spec, module_name, module, tensors=(), missing_bias=()):
        self.spec = spec
        self.module_name = module_name
        self.module = module
        self.tensors = list(tensors)
        self.missing_bias = list(missing_bias)  # (precast name, shape): a recurrent bias=False, zeros in precast


def _leaves(module, prefix=""):
    """The model's leaf modules in registration order, with their state_dict prefixes."""
    children = list(module.named_children())
    own = [name for name, _ in module.named_parameters(recurse=False)]
    if not children:
        yield prefix, module
        return
    if own:
        raise ConversionError(
            f"module '{prefix.rstrip('.') or type(module).__name__}' ({type(module).__name__}) holds parameters of its own "
            f"({', '.join(own)}) beside submodules: precast cannot tell what it computes with them")
    for name, child in children:
        yield from _leaves(child, f"{prefix}{name}.")


def _layers(model, input_shape, last_step):
    """The precast layers of the model, and the output shape of the chain."""
    shape = list(input_shape)
    layers = []
    leaves = list(_leaves(model))
    last_recurrent = max((i for i, (_, m) in enumerate(leaves) if isinstance(m, _RECURRENT)), default=None)
    if last_step and last_recurrent is None:
        raise ConversionError("last_step=True, but the model has no recurrent layer")
    for index, (prefix, module) in enumerate(leaves):
        where = f"'{prefix.rstrip('.') or type(module).__name__}' ({type(module).__name__})"
        nn = torch.nn
        if isinstance(module, nn.Linear):
            if shape[-1] != module.in_features:
                raise ConversionError(f"{where} takes {module.in_features} features, but the chain gives it shape {tuple(shape)}")
            if module.bias is not None:
                layers.append(_Layer(f"precast::dense<{module.out_features}>", prefix, module,
                                     [("weights", prefix + "weight"), ("bias", prefix + "bias")]))
            else:
                layers.append(_Layer(f"precast::dense<{module.out_features}, precast::no_bias>", prefix, module,
                                     [("weights", prefix + "weight")]))
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
            shape = [hidden] if (index == last_recurrent and last_step) else [shape[0], hidden]
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
            if len(shape) > 1:
                layers.append(_Layer("precast::flatten", prefix, module))
            shape = [size]
        else:
            raise ConversionError(f"{where} has no precast layer (supported: Linear, RNN, GRU, LSTM, ReLU, Tanh, Sigmoid, "
                                  "LeakyReLU, ELU, Softmax over the last axis, Identity, Dropout, Flatten)")
    if not layers:
        raise ConversionError("the model has no layer")
    return layers, shape


def _dtype(model):
    dtypes = {p.dtype for p in model.parameters()}
    if len(dtypes) > 1:
        raise ConversionError(f"the model mixes parameter types {sorted(str(d) for d in dtypes)}; precast networks have one")
    dtype = dtypes.pop() if dtypes else torch.float32
    if dtype not in (torch.float32, torch.float64):
        raise ConversionError(f"the model's parameters are {dtype}; precast takes float32 (float) or float64 (double)")
    return dtype


def _input_spec(input_shape, dtype):
    element = "" if dtype == torch.float32 else ", double"
    if len(input_shape) == 1:
        return f"precast::input<{input_shape[0]}{element}>"
    return f"precast::input_of<precast::shape<{', '.join(str(n) for n in input_shape)}>{element}>"


def _check_chain(model, layers, input_shape, dtype, last_step):
    """Runs the model and its chain on the same input: they must agree, or the model is not a chain."""
    generator = torch.Generator().manual_seed(0)
    x = torch.rand((3, *input_shape), generator=generator, dtype=dtype) * 2 - 1
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            expected = model(x)
            if isinstance(expected, tuple):
                expected = expected[0]
            y = x
            seen = set()
            for layer in layers:
                module = layer.module
                if id(module) in seen:
                    continue  # a multi-layer recurrent module is one PyTorch call
                seen.add(id(module))
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


def network_type(model, input_shape, last_step=False, check=True):
    """The precast network type of the model, for samples of shape input_shape (without the batch axis)."""
    input_shape = tuple(int(n) for n in input_shape)
    dtype = _dtype(model)
    layers, _ = _layers(model, input_shape, last_step)
    if check:
        _check_chain(model, layers, input_shape, dtype, last_step)
    return f"precast::network<{_input_spec(input_shape, dtype)}, {', '.join(l.spec for l in layers)}>"


def state_dict_names(model, input_shape, last_step=False):
    """{precast parameter name: PyTorch state_dict name}, e.g. {"0.weight_ih": "lstm.weight_ih_l0", "2.weights": "fc.weight"}."""
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
            arrays[f"{i}.{tensor}"] = state[name].detach().cpu().numpy().astype(dtype)
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
                state[name] = torch.from_numpy(numpy.array(archive[key]))
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
