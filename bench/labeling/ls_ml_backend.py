"""Baseline for bench/labeling: Label Studio's own Python ML backend SDK (label-studio-ml 1.0.9, the version on
PyPI) serving the same predictor as ours: fetch the task image over HTTP, then a fixed 10 ms model call.
Deployed the way label-studio-ml's own Dockerfile (label_studio_ml/default_configs/Dockerfile) runs a backend:

    MODEL_DIR=<dir> gunicorn --preload --bind :<port> --workers 1 --threads 8 --timeout 0 ls_ml_backend:app
"""
import base64
import os
import threading
import time

import requests
from label_studio_ml.api import init_app
from label_studio_ml.model import LabelStudioMLBase
from label_studio_ml.utils import get_single_tag_keys

_local = threading.local()


def session():
    if not hasattr(_local, 'session'):
        _local.session = requests.Session()
    return _local.session


class FixedLatencyModel(LabelStudioMLBase):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.from_name, self.to_name, self.value, self.labels = get_single_tag_keys(
            self.parsed_label_config, 'Choices', 'Image')

    def predict(self, tasks, **kwargs):
        predictions = []
        for task in tasks:
            url = task['data'][self.value]
            if url.startswith('data:'):
                image = base64.b64decode(url.split(',', 1)[1])
            else:
                image = session().get(url, timeout=30).content
            started = time.perf_counter()
            time.sleep(0.010)  # the predictor: a fixed 10 ms
            predictor_ms = (time.perf_counter() - started) * 1000
            label = self.labels[len(image) % len(self.labels)]
            predictions.append({
                'result': [{'from_name': self.from_name, 'to_name': self.to_name, 'type': 'choices',
                            'value': {'choices': [label]}}],
                'score': 0.91,
                'predictor_ms': predictor_ms,
            })
        return predictions


# What the template _wsgi.py of label-studio-ml exposes to gunicorn.
app = init_app(model_class=FixedLatencyModel, model_dir=os.environ['MODEL_DIR'])
