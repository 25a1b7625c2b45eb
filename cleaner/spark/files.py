"""Input files and output directories on any file system Spark's Hadoop layer knows
(local paths, ``hdfs://``, ``s3a://``), named in messages as the local engine names them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from ..io import NO_INPUT_FILES, UNSUPPORTED, Reject, kind_of

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class InputFile:
    """One file to read: its place in input order, its name in messages, its URI."""

    index: int
    name: str
    uri: str
    kind: str
    size: int


class FileSystem:
    """The Hadoop file system calls cleaner needs, through the session's JVM."""

    def __init__(self, spark: SparkSession) -> None:
        self.jvm: Any = spark._jvm  # type: ignore[attr-defined]
        self.conf = spark._jsc.hadoopConfiguration()  # type: ignore[attr-defined]

    def path(self, name: str) -> Any:
        return self.jvm.org.apache.hadoop.fs.Path(name)

    def fs(self, path: Any) -> Any:
        return path.getFileSystem(self.conf)

    def exists(self, name: str) -> bool:
        p = self.path(name)
        return bool(self.fs(p).exists(p))

    def delete(self, name: str) -> None:
        p = self.path(name)
        fs = self.fs(p)
        if fs.exists(p):
            fs.delete(p, True)

    def rename(self, src: str, dst: str) -> None:
        s, d = self.path(src), self.path(dst)
        if not self.fs(s).rename(s, d):
            raise OSError(f"cannot move {src} to {dst}")

    def children(self, name: str) -> list[str]:
        p = self.path(name)
        return [st.getPath().getName() for st in self.fs(p).listStatus(p)]

    def temporary(self, name: str) -> str:
        """A fresh hidden path beside ``name``, for writing before moving into place."""
        p = self.path(name)
        parent = p.getParent()
        base = f".{p.getName()}.spark-{uuid.uuid4().hex[:12]}"
        return base if parent is None else parent.toString().rstrip("/") + "/" + base


def _java_message(exc: Exception) -> str:
    java = getattr(exc, "java_exception", None)
    return str(java.getMessage()) if java is not None else str(exc)


def list_inputs(spark: SparkSession, items: list[str]
                ) -> tuple[list[InputFile], list[tuple[int, Reject]]]:
    """Every input file in the local engine's order (a directory's files sorted by path),
    and the inputs that cannot be read, each with its place in that order."""
    files: list[InputFile] = []
    rejects: list[tuple[int, Reject]] = []
    hfs = FileSystem(spark)

    def add(name: str, uri: str, size: int) -> None:
        kind = kind_of(name)
        index = len(files) + len(rejects)
        if kind is None:
            rejects.append((index, Reject(name, UNSUPPORTED)))
        else:
            files.append(InputFile(index, name, uri, kind, size))

    for item in items:
        plain = not _SCHEME.match(item)
        try:
            path = hfs.path(item)
            fs = hfs.fs(path)
            if not fs.exists(path):
                rejects.append((len(files) + len(rejects), Reject(item, "no such file")))
                continue
            status = fs.getFileStatus(path)
            if not status.isDirectory():
                add(str(PurePosixPath(item)) if plain else item, status.getPath().toString(),
                    int(status.getLen()))
                continue
            base = status.getPath().toString().rstrip("/")
            found = []
            listing = fs.listFiles(path, True)
            while listing.hasNext():
                st = listing.next()
                uri = st.getPath().toString()
                rel = uri[len(base):].lstrip("/")
                if kind_of(rel.rsplit("/", 1)[-1]):
                    found.append((tuple(rel.split("/")), uri, int(st.getLen())))
            if not found:
                rejects.append((len(files) + len(rejects), Reject(item, NO_INPUT_FILES)))
            for parts, uri, size in sorted(found):
                name = (str(PurePosixPath(item, *parts)) if plain
                        else item.rstrip("/") + "/" + "/".join(parts))
                add(name, uri, size)
        except Exception as exc:  # py4j wraps the JVM's IOException
            if type(exc).__name__ != "Py4JJavaError":
                raise
            rejects.append((len(files) + len(rejects),
                            Reject(item, f"cannot read: {_java_message(exc)}")))
    return files, rejects
