"""Handlers for the SageMaker PyTorch inference container: model_fn, input_fn, predict_fn, output_fn.

Requests: image/jpeg, image/png or application/x-image (one image), or application/json with
{"instances": ["<base64>", ...]} (also accepted: {"image": "<base64>"}, {"images": [...]}, a bare list).
Add "explain": true to a JSON request (or send CustomAttributes `explain=true` where the host passes it on)
for a Grad-CAM heatmap with each prediction.
Response: {"label", "probabilities": {class: p}, "model_version"} for one image, a list of those for a batch.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from modeling import grad_cam, load_model_folder  # noqa: E402

IMAGE_TYPES = ("image/jpeg", "image/png", "application/x-image")
JSON_TYPE = "application/json"
MAX_BATCH = 64


class InferenceError(ValueError):
    """A bad request; the message says what is wrong and how to send it right."""


def model_fn(model_dir: str):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, config = load_model_folder(model_dir, device)
    return {"model": model, "config": config, "device": device}


def _decode(data: bytes, where: str):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise InferenceError(f"could not decode {where} as an image (JPEG or PNG expected): {e}") from None
    return image.convert("RGB")


def _base_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _wants_explanation(content_type: str | None) -> bool:
    params = (content_type or "").lower().replace(" ", "").split(";")[1:]
    return "explain=true" in params


def input_fn(request_body, request_content_type, context=None):
    body = request_body if isinstance(request_body, (bytes, bytearray)) else str(request_body).encode()
    kind = _base_type(request_content_type)
    explain = _wants_explanation(request_content_type) or _custom_attributes_explain(context)
    if kind in IMAGE_TYPES:
        if not body:
            raise InferenceError(f"empty request body for content type {kind}")
        return {"images": [_decode(bytes(body), "the request body")], "batch": False, "explain": explain}
    if kind == JSON_TYPE:
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise InferenceError(f"the request body is not valid JSON: {e}") from None
        batch = True
        if isinstance(payload, dict):
            explain = explain or payload.get("explain") is True
            if "image" in payload:
                encoded, batch = [payload["image"]], False
            elif "instances" in payload or "images" in payload:
                encoded = payload.get("instances", payload.get("images"))
            else:
                raise InferenceError('JSON request needs "instances" (a list of base64 images) or "image" (one)')
        else:
            encoded = payload
        if not isinstance(encoded, list) or not encoded:
            raise InferenceError('"instances" must be a non-empty list of base64-encoded images')
        if len(encoded) > MAX_BATCH:
            raise InferenceError(f"batch of {len(encoded)} images is over the limit of {MAX_BATCH}; split it")
        images = []
        for i, item in enumerate(encoded):
            where = f"instances[{i}]" if batch else "image"
            if not isinstance(item, str):
                raise InferenceError(f"{where} must be a base64 string, got {type(item).__name__}")
            if item.startswith("data:") and "," in item:
                item = item.split(",", 1)[1]
            try:
                data = base64.b64decode(item, validate=True)
            except (binascii.Error, ValueError) as e:
                raise InferenceError(f"{where} is not valid base64: {e}") from None
            images.append(_decode(data, where))
        return {"images": images, "batch": batch, "explain": explain}
    raise InferenceError(
        f"unsupported content type '{request_content_type}'; send image/jpeg, image/png, application/x-image "
        "or application/json"
    )


def _custom_attributes_explain(context) -> bool:
    """Reads `explain=true` from CustomAttributes when the serving toolkit hands the request context over."""
    try:
        headers = context.request_processor[0].get_request_properties()
    except Exception:
        return False
    value = headers.get("X-Amzn-SageMaker-Custom-Attributes") or headers.get("x-amzn-sagemaker-custom-attributes") or ""
    return "explain=true" in str(value).lower().replace(" ", "")


def _to_tensor(images, config, device) -> torch.Tensor:
    from PIL import Image

    size = config.image_size
    rows = []
    for image in images:
        if image.size != (size, size):
            image = image.resize((size, size), Image.BILINEAR)
        rows.append(torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(size, size, 3))
    x = torch.stack(rows).permute(0, 3, 1, 2).float().div(255)
    mean = torch.tensor(config.mean).view(1, 3, 1, 1)
    std = torch.tensor(config.std).view(1, 3, 1, 1)
    return ((x - mean) / std).to(device)


def _heatmap_png(cam: torch.Tensor) -> str:
    from PIL import Image

    pixels = (cam.clamp(0, 1) * 255).byte().cpu().numpy()
    buf = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def predict_fn(data, model):
    net, config, device = model["model"], model["config"], model["device"]
    x = _to_tensor(data["images"], config, device)
    with torch.no_grad():
        probabilities = torch.softmax(net(x).float(), dim=1).cpu()
    results = []
    top = probabilities.argmax(1)
    cams = grad_cam(net, x, top.to(device)) if data["explain"] else None
    for i in range(len(data["images"])):
        result = {
            "label": config.classes[int(top[i])],
            "probabilities": {c: round(float(p), 6) for c, p in zip(config.classes, probabilities[i], strict=True)},
            "model_version": config.model_version,
        }
        if cams is not None:
            result["explanation"] = {"method": "grad-cam", "heatmap_png": _heatmap_png(cams[i])}
        results.append(result)
    return results if data["batch"] else results[0]


def output_fn(prediction, accept):
    kind = _base_type(accept) or JSON_TYPE
    if kind not in (JSON_TYPE, "*/*"):
        raise InferenceError(f"unsupported accept type '{accept}'; this model answers application/json")
    return json.dumps(prediction)
