"""The compiled parts of cleaner (MinHash signatures and their verification, quality
signals' counts, the literal scan of rule matching);
everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("cleaner.dedup._minhash", ["cleaner/dedup/_minhash.c"],
                  extra_compile_args=["-O3", "-std=c11"]),
        Extension("cleaner.dedup._verify", ["cleaner/dedup/_verify.c"],
                  extra_compile_args=["-O3", "-std=c11"]),
        Extension("cleaner._quality", ["cleaner/_quality.c"], extra_compile_args=["-O3", "-std=c11"]),
        Extension("cleaner._literals", ["cleaner/_literals.c"],
                  extra_compile_args=["-O3", "-std=c11"]),
    ],
)
