"""Draw a digit with the mouse and see what the network makes of it.

MNIST's digits were prepared in a fixed way (LeCun et al.): each digit's bounding box was
scaled, keeping its aspect ratio, to fit a 20 x 20 box with anti-aliasing (so edges are grey),
then placed in a 28 x 28 image so that its centre of mass is at the centre. A network trained on
MNIST expects exactly that, so ``strokes_to_input`` does the same to your strokes:

1. draw the strokes with a round pen whose width is a fixed share of the drawing's size;
2. crop to the ink's bounding box and scale the longer side to 20 pixels (area averaging);
3. shift the result inside 28 x 28 so that its centre of mass is at the centre (14, 14).

``DrawPad`` is the widget: a canvas (ipycanvas), a Clear button, the 28 x 28 input the network
sees, and the ten class probabilities as bars that update while you draw.
"""

from __future__ import annotations

import io
import time

import ipywidgets as widgets
import numpy as np
from PIL import Image, ImageDraw

from helpers.diagnostics import linear_layers, predict_proba
from helpers.validate import check_array, check_int, check_number, check_positive_number

RENDER = 200  # pixels the longer side of the drawing is rendered at before scaling down
PEN = 0.1  # pen width as a share of the drawing's longer side (MNIST strokes: 2-3 of 20 px)
BOX, SIZE = 20, 28


def _check_strokes(strokes) -> list[np.ndarray]:
    """A list of strokes, each a non-empty sequence of finite (x, y) points: (n, 2) arrays."""
    if isinstance(strokes, (str, bytes)) or not isinstance(strokes, (list, tuple)):
        raise TypeError(f"strokes must be a list of strokes, each a list of (x, y) points; got "
                        f"{strokes!r:.80}")
    checked = []
    for i, stroke in enumerate(strokes):
        points = check_array(f"strokes[{i}]", stroke)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError(f"strokes[{i}] must be a non-empty list of (x, y) points; got "
                             f"{stroke!r:.80} (shape {points.shape})")
        checked.append(points.astype(float))
    return checked


def _check_image(image, *, digit: bool = False) -> np.ndarray:
    """A grey image (H, W) with values in [0, 1] (``digit``: 28 x 28 pixels, or 784 of them)."""
    image = check_array("image", image)
    if digit:
        if image.size != SIZE * SIZE or image.ndim not in (1, 2):
            raise ValueError(f"image must be a digit of 28 x 28 = 784 pixels; got shape "
                             f"{image.shape}")
        image = image.reshape(SIZE, SIZE)
    elif image.ndim != 2:
        raise ValueError(f"image must be a grey image (H, W); got shape {image.shape}")
    if image.size and (image.min() < 0 or image.max() > 1):
        raise ValueError(f"image must hold values from 0 to 1 (ink bright); got values from "
                         f"{image.min():g} to {image.max():g}")
    return image.astype(float)


def _check_pen(pen) -> float:
    pen = check_positive_number("pen", pen)
    if pen > 1:
        raise ValueError(f"pen must be a share of the drawing's size, in (0, 1]; got {pen!r}")
    return pen


def render_strokes(strokes, pen: float = PEN) -> np.ndarray:
    """Strokes -> a grey image (H, W) in [0, 1], the drawing's longer side RENDER pixels.

    strokes: a list of strokes, each a sequence of (x, y) points (any units, y down); a stroke
    of one point is a dot. pen: the pen's width as a share of the drawing's longer side.
    """
    strokes, pen = _check_strokes(strokes), _check_pen(pen)
    if not strokes:
        return np.zeros((1, 1))
    points = np.concatenate(strokes)
    if len(points) == 0:
        return np.zeros((1, 1))
    low, high = points.min(axis=0), points.max(axis=0)
    side = max(float(np.max(high - low)), 1e-9)
    scale = RENDER / side
    width = pen * RENDER
    margin = int(np.ceil(width))
    size = (int(RENDER + 2 * margin + 1),) * 2
    image = Image.new("L", size, 0)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        xy = [tuple((np.asarray(p, dtype=float) - low) * scale + margin) for p in stroke]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=int(round(width)), joint="curve")
        r = width / 2
        for x, y in (xy[0], xy[-1]) if len(xy) > 1 else xy:  # round ends
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(image, dtype=float) / 255


def to_mnist(image: np.ndarray) -> np.ndarray:
    """A grey image (H, W) in [0, 1], ink bright -> (28, 28) float in [0, 1], as MNIST's.

    The ink's bounding box is scaled so its longer side is 20 pixels (area averaging gives the
    grey edges), then placed so the centre of mass is at the centre of the 28 x 28 image.
    """
    image = _check_image(image)
    out = np.zeros((SIZE, SIZE))
    rows, cols = np.nonzero(image > 0.05)
    if len(rows) == 0:
        return out
    crop = image[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    scale = BOX / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    small = Image.fromarray((crop * 255).astype(np.uint8)).resize((new_w, new_h), Image.BOX)
    small = np.asarray(small, dtype=float) / 255
    mass = small.sum()
    cy = (small.sum(axis=1) @ np.arange(new_h)) / mass  # centre of mass, row
    cx = (small.sum(axis=0) @ np.arange(new_w)) / mass  # ... and column
    top = int(np.clip(round(SIZE / 2 - 0.5 - cy), 0, SIZE - new_h))
    left = int(np.clip(round(SIZE / 2 - 0.5 - cx), 0, SIZE - new_w))
    out[top:top + new_h, left:left + new_w] = small
    return out


def strokes_to_input(strokes, pen: float = PEN) -> np.ndarray:
    """Strokes -> the network's input: (784,) float in [0, 1], prepared as MNIST's digits."""
    return to_mnist(render_strokes(strokes, pen)).reshape(-1)


def digit_to_strokes(image: np.ndarray, threshold: float = 0.5) -> list[list[tuple]]:
    """An MNIST digit (28, 28) -> strokes that draw it again: one dot per inked pixel.

    Lets the tests check the pipeline on digits whose label is known.
    """
    image = _check_image(image, digit=True)
    threshold = check_number("threshold", threshold)
    rows, cols = np.nonzero(image > threshold)
    return [[(float(c), float(r))] for r, c in zip(rows, cols)]


def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the centre of mass of a (28, 28) image (it must hold some ink)."""
    image = _check_image(image, digit=True)
    mass = image.sum()
    if mass == 0:
        raise ValueError("image must hold some ink (a value above 0); it is all zeros")
    return (float(image.sum(axis=1) @ np.arange(SIZE) / mass),
            float(image.sum(axis=0) @ np.arange(SIZE) / mass))


def quick_model(seed: int = 0):
    """A small network trained for two epochs on the offline sample (a few seconds)."""
    from helpers.data import load_mnist
    from helpers.layers import mlp
    from helpers.steer import Trainer

    data = load_mnist("sample", verbose=False)
    trainer = Trainer(mlp([784, 64, 10], seed=seed), data.X_train, data.y_train, lr=0.03,
                      seed=seed)
    trainer.run(2 * len(data.X_train) // trainer.batch_size)
    return trainer.model


def _png(pixels: np.ndarray, zoom: int) -> bytes:
    image = Image.fromarray((255 - pixels * 255).astype(np.uint8))  # ink dark on white
    image = image.resize((pixels.shape[1] * zoom, pixels.shape[0] * zoom), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class DrawPad(widgets.VBox):
    """A drawing pad: draw a digit, see the 28 x 28 input and the ten probabilities.

    model: a trained MNIST network (784 inputs, 10 outputs); None trains a quick one and says
    so. size: the pad's side in screen pixels. Strokes are kept in ``strokes``; ``add_point``,
    ``end_stroke`` and ``clear`` are what the mouse and the Clear button call.
    """

    def __init__(self, model=None, *, size: int = 280, update_every: float = 0.05):
        from ipycanvas import Canvas

        if model is not None:
            layers = linear_layers(model)  # a TypeError naming model if it is not an MLP
            shape = (layers[0].params["W"].shape[0], layers[-1].params["W"].shape[1])
            if shape != (784, 10):
                raise ValueError(f"model must take 784 inputs (28 x 28 pixels) and give 10 "
                                 f"outputs (the digits); got {shape[0]} inputs and {shape[1]} "
                                 "outputs")
        size = check_int("size", size, low=28)
        update_every = check_positive_number("update_every", update_every, allow_zero=True)
        note = ""
        if model is None:
            model = quick_model()
            note = ("No trained network was given, so a quick one was trained now (two epochs "
                    "on the 4,000 sample digits).")
        self.model, self.update_every, self.size = model, update_every, size
        self.strokes: list[list[tuple]] = []
        self._drawing, self._last_update = False, 0.0
        self.canvas = Canvas(width=size, height=size, layout=widgets.Layout(
            border="1px solid #999", width=f"{size}px", height=f"{size}px"))
        self.canvas.add_class("drawpad-canvas")
        self.clear_button = widgets.Button(description="Clear")
        self.input_view = widgets.Image(format="png", width=140, height=140)
        self.bars = [widgets.FloatProgress(value=0, min=0, max=1, description=str(d),
                                           layout=widgets.Layout(width="260px"))
                     for d in range(10)]
        self.top = widgets.HTML("draw a digit")
        self.top.add_class("drawpad-top")
        self.canvas.on_mouse_down(self._down)
        self.canvas.on_mouse_move(self._move)
        self.canvas.on_mouse_up(lambda x, y: self.end_stroke())
        self.canvas.on_mouse_out(lambda x, y: self.end_stroke())
        self.clear_button.on_click(lambda _: self.clear())
        super().__init__([
            widgets.HTML(note),
            widgets.HBox([widgets.VBox([self.canvas, self.clear_button]),
                          widgets.VBox([widgets.HTML("what the network sees (28 × 28)"),
                                        self.input_view]),
                          widgets.VBox([self.top, *self.bars])])])
        self.clear()

    def probabilities(self) -> np.ndarray:
        """The ten class probabilities (10,) for the current drawing (uniform if empty)."""
        if not self.strokes:
            return np.full(10, 0.1)
        return predict_proba(self.model, strokes_to_input(self.strokes)[None, :])[0]

    def redraw(self) -> None:
        """Draw every stroke on the canvas again (mends any segment drawn out of order)."""
        from ipycanvas import hold_canvas

        with hold_canvas():
            self.canvas.clear()
            for stroke in self.strokes:
                x, y = stroke[0]
                self.canvas.fill_circle(x, y, self.canvas.line_width / 2)
                if len(stroke) > 1:
                    self.canvas.stroke_lines(stroke)

    def update(self) -> None:
        """Prepare the drawing as MNIST, and show the input and the probabilities."""
        pixels = to_mnist(render_strokes(self.strokes)) if self.strokes else np.zeros((28, 28))
        self.input_view.value = _png(pixels, 5)
        probs = self.probabilities()
        for bar, p in zip(self.bars, probs):
            bar.value = float(p)
        if self.strokes:
            ranking = np.argsort(-probs)
            self.top.value = (f"most likely: <b>{ranking[0]}</b> ({probs[ranking[0]]:.0%}), "
                              f"then {ranking[1]} ({probs[ranking[1]]:.0%})")
        else:
            self.top.value = "draw a digit"
        self._last_update = time.monotonic()

    def add_point(self, x: float, y: float) -> None:
        """Extend the current stroke to (x, y) in pad pixels (a new stroke if none is open)."""
        if not self._drawing:
            self.strokes.append([])
            self._drawing = True
        stroke = self.strokes[-1]
        if stroke:
            self.canvas.stroke_line(*stroke[-1], x, y)
        else:
            self.canvas.fill_circle(x, y, self.canvas.line_width / 2)
        stroke.append((float(x), float(y)))
        if time.monotonic() - self._last_update >= self.update_every:
            self.update()

    def end_stroke(self) -> None:
        """The mouse button went up (or the mouse left the pad): finish the stroke."""
        if self._drawing:
            self._drawing = False
            self.redraw()
            self.update()

    def clear(self) -> None:
        """Empty the pad and the probabilities."""
        self.strokes, self._drawing = [], False
        self.canvas.clear()
        self.canvas.fill_style = "black"
        self.canvas.stroke_style = "black"
        self.canvas.line_width = PEN * self.size * 0.7
        self.canvas.line_cap = "round"
        self.canvas.line_join = "round"
        self.update()

    def _down(self, x, y) -> None:
        self._drawing = False
        self.add_point(x, y)

    def _move(self, x, y) -> None:
        if self._drawing:
            self.add_point(x, y)
