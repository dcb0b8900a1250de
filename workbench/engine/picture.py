"""A student's own picture, prepared the way the training pictures were made.

Digit sets are made from pen strokes: MNIST's digits were cropped to their ink, scaled to fit a
20x20 box keeping their shape, and centred by their centre of mass in 28x28; scikit-learn's 8x8
digits count the ink of 4x4 blocks of a 32x32 bitmap. A photo of a digit drawn on paper is none
of that: a small dark shape somewhere on a large light page. For single-channel pictures on a
dark background (digits, letters, clothes), `prepare_ink` does the same steps to the student's
picture: light background inverted, contrast stretched, cropped to the ink, scaled to the share
of the picture the training ink fills, centred by mass, and shrunk by averaging blocks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

INK = 0.3  # of a picture's brightest value: what counts as ink when cropping
SUPERSAMPLE = 8  # the drawing is placed on a canvas this many times finer, then averaged down
TRIM = 0.03  # the ink's extent leaves out this share of its mass at each end (faint fringes)


def upright_on_white(image: Any) -> Any:
    """A student's own photo or drawing (a PIL image) as it is meant to be seen: turned upright by
    its EXIF orientation (phones store photos sideways and say so), and a transparent background
    made white, as paper is (drawing programs leave it transparent, which would read as black)."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        drawing = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", drawing.size, (255, 255, 255, 255)), drawing)
    return image


def _extent(mass: np.ndarray) -> float:
    """The length, in cells, of the middle of a 1-D mass profile: from TRIM to 1 - TRIM of its
    cumulative sum, interpolated within cells."""
    total = mass.sum()
    if total <= 0:
        return 0.0
    edges = np.concatenate([[0.0], np.cumsum(mass) / total])
    cells = np.arange(len(edges), dtype=np.float64)
    return float(np.interp(1 - TRIM, edges, cells) - np.interp(TRIM, edges, cells))


def ink_extent(image: np.ndarray) -> float:
    """How far a (H, W) picture's ink reaches along its longer direction, in pixels."""
    return max(_extent(image.sum(axis=1)), _extent(image.sum(axis=0)))


def ink_fill(pictures: torch.Tensor) -> float:
    """How much of the picture the ink of (N, 1, H, W) training pictures spans: the median of each
    one's `ink_extent` over the picture's side (MNIST about 0.7, the 8x8 digits about 0.9)."""
    images = pictures[:, 0].double().numpy()
    side = min(images.shape[1:])
    spans = [ink_extent(image) / side for image in images if image.sum() > 0]
    return float(np.median(spans)) if spans else 1.0


def _light_background(gray: np.ndarray) -> bool:
    """A picture's background is light when its outer ring is brighter than mid-grey."""
    ring = max(1, min(gray.shape) // 20)
    border = np.concatenate(
        [gray[:ring].ravel(), gray[-ring:].ravel(), gray[:, :ring].ravel(), gray[:, -ring:].ravel()]
    )
    return float(np.median(border)) > 127


def _stretched(gray: np.ndarray, invert: bool) -> np.ndarray:
    """Ink light on black, from 0 to 1: the background level taken off, the ink's brightest made 1."""
    image = gray.astype(np.float32)
    if invert:
        image = 255.0 - image
    image = np.clip(image - np.median(image), 0.0, None)  # most of a picture of a digit is background
    top = float(np.percentile(image[image > 0], 99)) if np.any(image > 0) else 0.0
    stretched: np.ndarray = np.clip(image / top, 0.0, 1.0) if top > 0 else image
    return stretched


def _place(ink: np.ndarray, height: int, width: int, fill: float) -> np.ndarray:
    """The ink scaled so its longer side spans `fill` of the picture, centred by mass, on a fine canvas."""
    from PIL import Image

    big_h, big_w = height * SUPERSAMPLE, width * SUPERSAMPLE
    scale = fill * min(big_h, big_w) / max(ink_extent(ink), 1.0)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    glyph = np.asarray(Image.fromarray(ink).resize(size, Image.Resampling.LANCZOS), dtype=np.float32).clip(0, 1)
    canvas = np.zeros((big_h, big_w), dtype=np.float32)
    mass = glyph.sum()
    ys, xs = np.indices(glyph.shape)
    cy, cx = (
        ((ys * glyph).sum() / mass, (xs * glyph).sum() / mass) if mass > 0 else (glyph.shape[0] / 2, glyph.shape[1] / 2)
    )
    top, left = round(big_h / 2 - cy), round(big_w / 2 - cx)  # the centre of mass at the centre
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + glyph.shape[0], big_h), min(left + glyph.shape[1], big_w)
    canvas[y0:y1, x0:x1] = glyph[y0 - top : y1 - top, x0 - left : x1 - left]  # a faint fringe may fall off
    return canvas


def prepare_ink(gray: np.ndarray, height: int, width: int, fill: float, peak: float) -> tuple[np.ndarray, bool]:
    """A (H0, W0) uint8 picture as a (1, height, width) uint8 one made like the training pictures,
    whose ink peaks at `peak`; and whether it was inverted (a light background)."""
    invert = _light_background(gray)
    image = _stretched(gray, invert)
    mask = image > INK
    if not mask.any():  # nothing drawn: the picture as it is, only resized
        from PIL import Image

        small = np.asarray(Image.fromarray((image * 255).astype(np.uint8)).resize((width, height)), dtype=np.uint8)
        return small[None], invert
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    ink = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    canvas = _place(ink, height, width, fill)
    blocks = canvas.reshape(height, SUPERSAMPLE, width, SUPERSAMPLE).mean(axis=(1, 3))  # ink per block
    top = blocks.max()
    out = np.rint(blocks / top * peak) if top > 0 else blocks
    return out.clip(0, 255).astype(np.uint8)[None], invert
