"""The endpoint handlers, loaded from the model folder the way the PyTorch inference container loads them."""

import base64
import importlib.util
import io
import json
import sys

import pytest
from PIL import Image


@pytest.fixture(scope="module")
def handler(trained):
    model_dir, _, _ = trained
    path = model_dir / "code" / "inference.py"
    spec = importlib.util.spec_from_file_location("sm_inference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module, module.model_fn(str(model_dir))
    sys.modules.pop("modeling", None)


def encode(image: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return buf.getvalue()


def sample_image(splits, name="circle") -> Image.Image:
    data, _ = splits
    return Image.open(next((data / "test" / name).iterdir())).convert("RGB")


def invoke(handler, body, content_type, accept="application/json"):
    module, model = handler
    return json.loads(module.output_fn(module.predict_fn(module.input_fn(body, content_type), model), accept))


@pytest.mark.parametrize(
    "content_type,fmt", [("image/png", "PNG"), ("image/jpeg", "JPEG"), ("application/x-image", "PNG")]
)
def test_single_image_prediction(handler, splits, content_type, fmt):
    image = sample_image(splits)
    result = invoke(handler, encode(image, fmt), content_type)
    assert set(result) == {"label", "probabilities", "model_version"}
    assert result["model_version"] == "test-model-1"
    assert list(result["probabilities"]) == ["circle", "cross", "square", "triangle"]
    assert abs(sum(result["probabilities"].values()) - 1) < 1e-4
    assert result["label"] == max(result["probabilities"], key=result["probabilities"].get)


def test_json_batch_and_resizing(handler, splits):
    images = [sample_image(splits, n) for n in ("circle", "square")]
    images.append(images[0].resize((64, 64)))  # another size is resized to the model's input
    body = json.dumps({"instances": [base64.b64encode(encode(im, "PNG")).decode() for im in images]})
    results = invoke(handler, body, "application/json")
    assert isinstance(results, list) and len(results) == 3
    assert all(set(r) == {"label", "probabilities", "model_version"} for r in results)


def test_explain_returns_a_grad_cam_heatmap(handler, splits):
    image = sample_image(splits)
    body = json.dumps({"image": base64.b64encode(encode(image, "PNG")).decode(), "explain": True})
    result = invoke(handler, body, "application/json")
    assert result["explanation"]["method"] == "grad-cam"
    heatmap = Image.open(io.BytesIO(base64.b64decode(result["explanation"]["heatmap_png"])))
    assert heatmap.size == (16, 16) and heatmap.mode == "L"


@pytest.mark.parametrize(
    "body,content_type,message",
    [
        (b"definitely not an image", "image/png", "could not decode the request body"),
        (b"", "image/jpeg", "empty request body"),
        (b"a,b,c", "text/csv", "unsupported content type 'text/csv'"),
        (b"{not json", "application/json", "not valid JSON"),
        (json.dumps({"instances": []}).encode(), "application/json", "non-empty list"),
        (json.dumps({"instances": ["%%%"]}).encode(), "application/json", "instances[0] is not valid base64"),
        (
            json.dumps({"instances": [base64.b64encode(b"garbage").decode()]}).encode(),
            "application/json",
            "could not decode instances[0]",
        ),
        (json.dumps({"instances": [3]}).encode(), "application/json", "instances[0] must be a base64 string"),
        (json.dumps({"pictures": []}).encode(), "application/json", '"instances"'),
    ],
)
def test_bad_requests_say_what_is_wrong(handler, body, content_type, message):
    module, _ = handler
    with pytest.raises(module.InferenceError) as err:
        module.input_fn(body, content_type)
    assert message in str(err.value)


def test_unsupported_accept_type(handler, splits):
    module, model = handler
    prediction = module.predict_fn(module.input_fn(encode(sample_image(splits), "PNG"), "image/png"), model)
    with pytest.raises(module.InferenceError, match="unsupported accept type 'text/csv'"):
        module.output_fn(prediction, "text/csv")
