"""The compiled parts of cleaner (MinHash signatures and their verification, the quality
signals' counts, the literal scan of rule matching, line splitting and repeated lines,
rendering's character test and white-space folding, JSON lines out); everything else is
in pyproject.toml."""

from setuptools import Extension, setup

MODULES = ("cleaner.dedup._minhash", "cleaner.dedup._verify", "cleaner._quality",
           "cleaner._literals", "cleaner._render", "cleaner._lines", "cleaner._jsonl")

setup(
    ext_modules=[Extension(name, [name.replace(".", "/") + ".c"], depends=["cleaner/_bytes.h"],
                           extra_compile_args=["-O3", "-std=c11"]) for name in MODULES],
)
