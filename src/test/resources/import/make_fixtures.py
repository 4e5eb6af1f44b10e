"""Builds the `salve import` test fixtures. Run with Debian's torch: /usr/bin/python3 make_fixtures.py

A tiny CNN laid out like a torchvision ResNet (conv1, bn1, relu, layer1, avgpool, fc), untrained (weights=None
style, seeded), exported exactly as the README's recipe exports a torchvision model:
  backbone-pooled.pt / .onnx       N x 3 x H x W -> N x 16 (avgpool output, flattened)
  backbone-featuremap.pt / .onnx   N x 3 x H x W -> N x 16 x h x w (last feature map)
  backbone-fixed-batch.onnx        the pooled form exported without a dynamic batch axis (batch 1 only)
  backbone-tokens.pt               N x 3 x H x W -> N x 16 x (h*w): a token sequence, neither form (refused)
  full.pt                          the whole classifier (its fc.weight / fc.bias are the head)
  head.npz                         W (4 x 16), b (4)
  classes.txt                      the 4 class names
  images/*.png                     RGB images at the model's input size (27 x 31), and odd-sized ones
  reference.json                   mean/std and the logits PyTorch gives on the input-sized images
"""
import json
import os

import numpy as np
import torch
from PIL import Image
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
H, W = 31, 27
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
CLASSES = ["ant", "bee", "cat", "dog"]


class TinyNet(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=True))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.layer1(self.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def main():
    torch.manual_seed(12)
    rng = np.random.default_rng(12)
    model = TinyNet()
    with torch.no_grad():  # non-trivial batch-norm statistics, as a trained model has
        model.bn1.running_mean.uniform_(-0.2, 0.2)
        model.bn1.running_var.uniform_(0.5, 2.0)
        model.fc.weight.mul_(20)  # logits of a few units, like a trained classifier's
    model.eval()

    # The recipe: everything before the final linear layer.
    featuremap = nn.Sequential(*list(model.children())[:-2]).eval()
    pooled = nn.Sequential(featuremap, model.avgpool, nn.Flatten(1)).eval()
    example = torch.randn(2, 3, H, W)
    torch.jit.trace(pooled, example).save(os.path.join(HERE, "backbone-pooled.pt"))
    torch.jit.trace(featuremap, example).save(os.path.join(HERE, "backbone-featuremap.pt"))
    tokens = nn.Sequential(featuremap, nn.Flatten(2)).eval()
    torch.jit.trace(tokens, example).save(os.path.join(HERE, "backbone-tokens.pt"))
    torch.jit.trace(model, example).save(os.path.join(HERE, "full.pt"))
    for name, net in [("backbone-pooled", pooled), ("backbone-featuremap", featuremap)]:
        torch.onnx.export(net, example, os.path.join(HERE, name + ".onnx"), opset_version=13,
                          input_names=["images"], output_names=["features"],
                          dynamic_axes={"images": {0: "batch"}, "features": {0: "batch"}})
    torch.onnx.export(pooled, example[:1], os.path.join(HERE, "backbone-fixed-batch.onnx"), opset_version=13,
                      input_names=["images"], output_names=["features"])
    np.savez(os.path.join(HERE, "head.npz"), W=model.fc.weight.detach().numpy().astype(np.float32),
             b=model.fc.bias.detach().numpy().astype(np.float32))
    with open(os.path.join(HERE, "classes.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")

    images = os.path.join(HERE, "images")
    os.makedirs(images, exist_ok=True)
    reference = []
    for i in range(3):
        pixels = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
        name = "rgb-%d.png" % i
        Image.fromarray(pixels, "RGB").save(os.path.join(images, name))
        x = (torch.from_numpy(pixels).permute(2, 0, 1).float() / 255 - torch.tensor(MEAN)[:, None, None]) \
            / torch.tensor(STD)[:, None, None]
        with torch.no_grad():
            logits = model(x[None])[0]
        reference.append({"image": name, "logits": [float(v) for v in logits]})
    # Other sizes and a grey image: these go through the bundle's resize policy and channel conversion.
    Image.fromarray(rng.integers(0, 256, size=(45, 38, 3), dtype=np.uint8), "RGB").save(os.path.join(images, "odd-45x38.png"))
    Image.fromarray(rng.integers(0, 256, size=(17, 60), dtype=np.uint8), "L").save(os.path.join(images, "grey-17x60.png"))
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"inputShape": [3, H, W], "mean": MEAN, "std": STD, "classes": CLASSES, "torch": torch.__version__,
                   "references": reference}, f, indent=2)


if __name__ == "__main__":
    main()
