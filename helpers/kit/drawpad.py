"""Draw a digit with the mouse and see what a network makes of it (skip this file: machinery).

MNIST's digits were prepared in a fixed way (LeCun et al.): each digit's bounding box was scaled,
keeping its aspect ratio, to fit a 20 × 20 box with anti-aliasing (so edges are grey), then placed
in a 28 × 28 image with its centre of mass at the centre. A network trained on MNIST expects
exactly that, so ``strokes_to_input`` does the same to mouse strokes:

1. draw the strokes with a round pen whose width is a fixed share of the drawing's size;
2. crop to the ink's bounding box and scale the longer side to 20 pixels (area averaging);
3. shift the result inside 28 × 28 so that its centre of mass is at the centre.

``DrawPad`` is the widget: a canvas (ipycanvas), a Clear button, the 28 × 28 input the network
sees and the ten class probabilities as bars. It is built for a kernel that may be busy: a mouse
event only records its point and draws the new segment (one small message to the page); the
prediction is made once per stroke, from the whole drawing, when the button goes up or the mouse
leaves the pad. The text above the bars (CSS class ``drawpad-top``) then reads
"most likely: 1 (97%), then 7 (2%) · 1 stroke".
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from PIL import Image, ImageDraw

from helpers.kit.checks import check_int
from helpers.layers import Layer, linear_layers
from helpers.losses import softmax

RENDER = 200  # pixels the longer side of the drawing is rendered at before scaling down
PEN = 0.1  # pen width as a share of the drawing's longer side (MNIST strokes: 2-3 of 20 px)
BOX, SIZE = 20, 28


def render_strokes(strokes, pen: float = PEN) -> np.ndarray:
    """Strokes -> a grey image (H, W) in [0, 1], ink bright, the drawing's longer side RENDER px.

    strokes: a list of strokes, each a non-empty sequence of (x, y) points (any units, y down);
    a stroke of one point is a dot. pen: the pen's width as a share of the longer side.
    """
    strokes = [np.asarray(stroke, dtype=float).reshape(-1, 2) for stroke in strokes]
    strokes = [stroke for stroke in strokes if len(stroke)]
    if not strokes:
        return np.zeros((1, 1))
    points = np.concatenate(strokes)
    low = points.min(axis=0)
    scale = RENDER / max(float(np.max(points.max(axis=0) - low)), 1e-9)
    width = pen * RENDER
    margin = int(np.ceil(width))
    image = Image.new("L", (RENDER + 2 * margin + 1,) * 2, 0)
    draw = ImageDraw.Draw(image)
    r = width / 2
    for stroke in strokes:
        xy = [tuple(p) for p in (stroke - low) * scale + margin]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=int(round(width)), joint="curve")
        for x, y in (xy[0], xy[-1]):  # round ends (and a dot for a single point)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(image, dtype=float) / 255


def to_mnist(image: np.ndarray) -> np.ndarray:
    """A grey image (H, W) in [0, 1], ink bright -> (28, 28) in [0, 1], prepared as MNIST's."""
    out = np.zeros((SIZE, SIZE))
    rows, cols = np.nonzero(image > 0.05)
    if len(rows) == 0:
        return out
    crop = image[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    new_h, new_w = max(1, round(h * BOX / max(h, w))), max(1, round(w * BOX / max(h, w)))
    small = Image.fromarray((crop * 255).astype(np.uint8)).resize((new_w, new_h), Image.BOX)
    small = np.asarray(small, dtype=float) / 255
    cy = small.sum(axis=1) @ np.arange(new_h) / small.sum()  # centre of mass: row ...
    cx = small.sum(axis=0) @ np.arange(new_w) / small.sum()  # ... and column
    top = int(np.clip(round(SIZE / 2 - 0.5 - cy), 0, SIZE - new_h))
    left = int(np.clip(round(SIZE / 2 - 0.5 - cx), 0, SIZE - new_w))
    out[top:top + new_h, left:left + new_w] = small
    return out


def strokes_to_input(strokes, pen: float = PEN) -> np.ndarray:
    """Strokes -> the network's input: (784,) float32 in [0, 1], prepared as MNIST's digits."""
    return to_mnist(render_strokes(strokes, pen)).reshape(-1).astype(np.float32)


def digit_to_strokes(image, threshold: float = 0.5) -> list:
    """An MNIST digit (784,) or (28, 28) -> strokes that draw it again: a dot per inked pixel."""
    rows, cols = np.nonzero(np.asarray(image).reshape(SIZE, SIZE) > threshold)
    return [[(float(c), float(r))] for r, c in zip(rows, cols)]


def probabilities(model, x) -> np.ndarray:
    """The model's ten class probabilities (10,) for one input x (784,), in evaluation mode."""
    was_training = model.training
    probs = softmax(model.eval().forward(x[None, :]))[0]
    model.train(was_training)
    return probs


def _png(pixels: np.ndarray, zoom: int) -> bytes:
    image = Image.fromarray((255 - pixels * 255).astype(np.uint8))  # ink dark on white
    buffer = io.BytesIO()
    image.resize((SIZE * zoom, SIZE * zoom), Image.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


class DrawPad(widgets.VBox):
    """Draw a digit, see the 28 × 28 input and the ten probabilities of ``model``.

    model: a trained MNIST classifier (784 inputs, 10 outputs) that no thread is training.
    size: the pad's side in screen pixels. ``strokes`` holds what was drawn; ``mouse_down``,
    ``mouse_move`` and ``mouse_up`` are what the mouse calls, ``clear`` what Clear calls.
    """

    def __init__(self, model, *, size: int = 280):
        from ipycanvas import Canvas

        linears = linear_layers(model) if isinstance(model, Layer) else []
        shape = (linears[0].params["W"].shape[0], linears[-1].params["W"].shape[1]) \
            if linears else None
        if shape != (784, 10):
            raise ValueError(f"model must be an MNIST classifier, 784 inputs (28 × 28 pixels) "
                             f"and 10 outputs; got {type(model).__name__} with (inputs, outputs) "
                             f"{shape}")
        self.model, self.size = model, check_int("size", size, low=28)
        self.strokes, self.drawing = [], False
        self.canvas = Canvas(width=size, height=size, layout=widgets.Layout(
            border="1px solid #999", width=f"{size}px", height=f"{size}px"))
        self.canvas.add_class("drawpad-canvas")
        self.clear_button = widgets.Button(description="Clear")
        self.input_view = widgets.Image(format="png", width=140, height=140)
        self.bars = [widgets.FloatProgress(value=0.1, min=0, max=1, description=str(d),
                                           layout=widgets.Layout(width="260px"))
                     for d in range(10)]
        self.top = widgets.HTML()
        self.top.add_class("drawpad-top")
        self.canvas.on_mouse_down(self.mouse_down)
        self.canvas.on_mouse_move(self.mouse_move)
        self.canvas.on_mouse_up(self.mouse_up)
        self.canvas.on_mouse_out(self.mouse_up)
        self.clear_button.on_click(lambda _: self.clear())
        super().__init__([widgets.HBox([
            widgets.VBox([self.canvas, self.clear_button]),
            widgets.VBox([widgets.HTML("what the network sees (28 × 28)"), self.input_view],
                         layout=widgets.Layout(margin="0 24px")),
            widgets.VBox([self.top, *self.bars])])])
        self.clear()

    def mouse_down(self, x, y) -> None:
        """A new stroke starts at (x, y), in pad pixels."""
        self.drawing = True
        self.strokes.append([(float(x), float(y))])
        self.canvas.fill_circle(x, y, self.canvas.line_width / 2)

    def mouse_move(self, x, y) -> None:
        """The stroke goes on to (x, y): record it and draw the segment (no prediction)."""
        if self.drawing:
            self.canvas.stroke_line(*self.strokes[-1][-1], x, y)
            self.strokes[-1].append((float(x), float(y)))

    def mouse_up(self, x=None, y=None) -> None:
        """The button went up (or the mouse left the pad): the stroke ends, the network reads
        the whole drawing."""
        if self.drawing:
            self.drawing = False
            self.update()

    def update(self) -> None:
        """Prepare the drawing as MNIST's digits and show the input and the probabilities."""
        x = strokes_to_input(self.strokes)
        self.input_view.value = _png(x.reshape(SIZE, SIZE), 5)
        probs = probabilities(self.model, x) if self.strokes else np.full(10, 0.1)
        for bar, p in zip(self.bars, probs):
            bar.value = float(p)
        first, second = np.argsort(-probs)[:2]
        n = len(self.strokes)
        self.top.value = (f"most likely: <b>{first}</b> ({probs[first]:.0%}), then {second} "
                          f"({probs[second]:.0%}) · {n} stroke{'s' * (n != 1)}" if n else
                          "draw a digit")

    def clear(self) -> None:
        """Empty the pad and the bars."""
        self.strokes, self.drawing = [], False
        self.canvas.clear()
        self.canvas.stroke_style = self.canvas.fill_style = "black"
        self.canvas.line_width = PEN * self.size * 0.7
        self.canvas.line_cap = self.canvas.line_join = "round"
        self.update()
