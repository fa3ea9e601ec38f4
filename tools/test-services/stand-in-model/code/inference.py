"""The one stand-in model of the test suites: stdlib only, with the PyTorch container's handler functions
(model_fn / input_fn / predict_fn / output_fn), answering the demo's inference contract
{"label", "probabilities", "model_version"} (plus "explanation" when asked for one).

Each test gives it a model.json that says how to choose the label ("choose"):
  "brightness"  8-bit grayscale PNGs: nearest of "centroids" {label: gray level 0-255} by mean gray level,
                probabilities a softmax over -|mean - level| / "temperature"; `explain=true` (a Content-Type
                parameter) adds the image itself as the heatmap.
  "length"      "labels"[len(body) % n]: each image gets its own stable label.
  "first-byte"  "labels"[body[0] % n].
  "hash"        a softmax over the first bytes of sha256(body): deterministic, and alike for every version.
For "length" and "first-byte" the chosen label gets probability "top" (default 0.8), the rest share what is left.
Other keys: "version" (the model_version answered), "png_only" (refuse bodies that are not PNGs),
"round_digits" (round the probabilities), "fail_to_load" (model_fn raises: a broken model),
"cold_start_s" / "service_time_s" (sleeps in model_fn / predict_fn; the env variables STAND_IN_COLD_START_S and
STAND_IN_SERVICE_TIME_S override them). A body starting with b"POISON" makes input_fn raise, which the serving
host turns into a container error (SageMaker's ModelError).
"""

import base64
import hashlib
import json
import math
import os
import struct
import time
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _seconds(model, key, env):
    return float(os.environ.get(env, model.get(key, 0)))


def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json"), encoding="utf-8") as handle:
        model = json.load(handle)
    if model.get("fail_to_load"):
        raise RuntimeError("model.json marks this model as broken (fail_to_load)")
    # A slow load is the behaviour under test where it is set (a serverless cold start).
    cold_start_s = _seconds(model, "cold_start_s", "STAND_IN_COLD_START_S")
    if cold_start_s > 0:
        time.sleep(cold_start_s)
    model["service_time_s"] = _seconds(model, "service_time_s", "STAND_IN_SERVICE_TIME_S")
    model.setdefault("choose", "brightness")
    return model


def _decode_gray_png(data):
    if data[:8] != PNG_SIGNATURE:
        raise ValueError("expected a PNG image")
    pos, width, height, idat = 8, 0, 0, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            if depth != 8 or colour != 0:
                raise ValueError("only 8-bit grayscale PNGs are supported")
        elif kind == b"IDAT":
            idat.append(chunk)
        pos += 12 + length
    raw = zlib.decompress(b"".join(idat))
    rows = []
    for y in range(height):
        start = y * (width + 1)
        if raw[start] != 0:
            raise ValueError("only PNG filter type 0 is supported")
        rows.append(raw[start + 1 : start + 1 + width])
    return width, height, rows


def _encode_gray_png(width, height, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def input_fn(request_body, content_type):
    if isinstance(request_body, str):
        request_body = request_body.encode("latin-1")
    body = bytes(request_body)
    if body.startswith(b"POISON"):
        raise ValueError("poisoned input: this model refuses bodies that start with POISON")
    explain = "explain=true" in (content_type or "").replace(" ", "")
    return {"body": body, "content_type": (content_type or "").split(";")[0].strip(), "explain": explain}


def _one_of(labels, index, top):
    rest = (1 - top) / (len(labels) - 1)
    return labels[index], {label: (top if i == index else rest) for i, label in enumerate(labels)}


def _brightness(request, model):
    if request["content_type"] not in ("image/png", "application/x-image"):
        raise ValueError(f"unsupported content type {request['content_type']!r}; send image/png")
    width, height, rows = _decode_gray_png(request["body"])
    mean = sum(sum(row) for row in rows) / (width * height)
    temperature = model.get("temperature", 20)
    scores = {label: math.exp(-abs(mean - level) / temperature) for label, level in model["centroids"].items()}
    total = sum(scores.values())
    probabilities = {label: score / total for label, score in scores.items()}
    label = max(probabilities, key=probabilities.get)
    explanation = None
    if request["explain"]:
        explanation = {
            "method": "brightness",
            "heatmap_png": base64.b64encode(_encode_gray_png(width, height, rows)).decode(),
        }
    return label, probabilities, explanation


def _hash(body, labels):
    digest = hashlib.sha256(body).digest()
    scores = [digest[i % len(digest)] / 64.0 for i in range(len(labels))]
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    probabilities = {label: e / total for label, e in zip(labels, exps, strict=True)}
    return max(probabilities, key=probabilities.get), probabilities


def predict_fn(request, model):
    # A fixed service time is the behaviour under test where it is set (throughput, throttling).
    if model["service_time_s"] > 0:
        time.sleep(model["service_time_s"])
    body, choose = request["body"], model["choose"]
    if model.get("png_only") and body[:8] != PNG_SIGNATURE:
        raise ValueError("the request body is not a PNG image")
    explanation = None
    if choose == "brightness":
        label, probabilities, explanation = _brightness(request, model)
    elif choose == "length":
        label, probabilities = _one_of(model["labels"], len(body) % len(model["labels"]), model.get("top", 0.8))
    elif choose == "first-byte":
        label, probabilities = _one_of(model["labels"], body[0] % len(model["labels"]), model.get("top", 0.8))
    elif choose == "hash":
        label, probabilities = _hash(body, model["labels"])
    else:
        raise ValueError(f"model.json: unknown choose {choose!r}")
    if "round_digits" in model:
        probabilities = {k: round(v, model["round_digits"]) for k, v in probabilities.items()}
    result = {"label": label, "probabilities": probabilities, "model_version": model["version"]}
    if explanation:
        result["explanation"] = explanation
    return result


def output_fn(prediction, accept):
    return json.dumps(prediction)
