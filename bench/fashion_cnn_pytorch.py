#!/usr/bin/python3
"""examples/fashion_mnist --arch cnn in PyTorch (Debian's python3-torch, the same LibTorch as precast-bench's C++
rows): 28x28x1 -> conv 3x3 32 (same) ReLU maxpool 2 -> conv 3x3 64 (same) ReLU maxpool 2 -> 128 ReLU -> dropout ->
10 (dropout 0.3 as the example; 0 leaves it out),
Xavier (Glorot uniform) weights and zero biases everywhere (as precast's default initializer), softmax
cross-entropy, Adam lr 0.001, batch 128 (the last partial batch trained too), 5000 training images held out at
random for validation, a seeded shuffle per epoch. Prints seconds, training loss and validation accuracy per epoch,
then the test accuracy. Usage: fashion_cnn_pytorch.py [epochs] [threads] [dropout]"""
import gzip
import sys
import time

import torch

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
dropout = float(sys.argv[3]) if len(sys.argv) > 3 else 0.3
torch.set_num_threads(threads)
torch.manual_seed(1)
root = "/usr/share/datasets/fashion-mnist/"


def load(kind):
    with gzip.open(f"{root}{kind}-images-idx3-ubyte.gz", "rb") as f:
        images = torch.frombuffer(bytearray(f.read()[16:]), dtype=torch.uint8).reshape(-1, 1, 28, 28).float() / 255.0
    with gzip.open(f"{root}{kind}-labels-idx1-ubyte.gz", "rb") as f:
        labels = torch.frombuffer(bytearray(f.read()[8:]), dtype=torch.uint8).long()
    return images, labels


images, labels = load("train")
test_images, test_labels = load("t10k")
order = torch.randperm(images.shape[0])
validation, training = order[:5000], order[5000:]
val_images, val_labels = images[validation], labels[validation]
images, labels = images[training].contiguous(), labels[training].contiguous()

nn = torch.nn
model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), *([nn.Dropout(dropout)] if dropout > 0 else []), nn.Linear(128, 10))
for m in model:
    if isinstance(m, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
loss_fn = nn.CrossEntropyLoss()
batch = 128


def accuracy(x, y):
    model.eval()
    with torch.no_grad():
        return sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, x.shape[0], 1000)) / x.shape[0]


for epoch in range(epochs):
    model.train()
    start = time.perf_counter()
    order = torch.randperm(images.shape[0])
    total = 0.0
    for first in range(0, images.shape[0], batch):
        index = order[first:first + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(images[index]), labels[index])
        loss.backward()
        optimizer.step()
        total += loss.item() * index.shape[0]
    seconds = time.perf_counter() - start
    print(f"epoch {epoch + 1}: {seconds:.2f} s, train loss {total / images.shape[0]:.4f}, validation accuracy {100 * accuracy(val_images, val_labels):.2f} %",
          flush=True)
print(f"test accuracy {100 * accuracy(test_images, test_labels):.2f} %")
