"""A manifest carried inside the PDFs it lists, so that a PDF can be checked on its own.

A manifest names each PDF's sha256, so it cannot be inside the PDF it hashes: kitgen renders
each PDF, records the sha256 of those bytes in the manifest, then appends the manifest to each
PDF as an attachment in an incremental update (PDF 1.7 §7.5.6). The rendered bytes stay, byte
for byte, at the start of the file; the update after them adds the attachment and nothing else.

``split`` undoes this: it finds the rendered part, and succeeds only when appending the
carried manifest to that part gives back the whole file exactly. Any change to any byte of
the PDF — an edited page, a comment saved by a viewer (itself an incremental update), an
attachment removed or replaced — then shows either as a failed split or as rendered bytes whose
sha256 the manifest does not list. It is a checksum, not a signature: someone who knows this
scheme can build a consistent forgery, which only the workspace's own files or signed sign-off
records (checked against keys the reader trusts) can expose.

A draft is rendered without its kit version and digest (its page shows its own revision, so
that a document that did not change keeps its rendered bytes from version to version): the
update then also gives it a new Info dictionary, the rendered one plus ``/kitgenversion`` and
``/kitgendigest`` as the carried manifest names them. Entries the rendered PDF has (a released
one names its version itself; the kit and the state every PDF names) are never replaced, so
what the rendered bytes say can still be checked against what the PDF carries. ``split``
checks the added entries with the rest, since it appends again and compares.

The update is written here, not by a PDF library, so that it is the same bytes on every
machine and costs milliseconds: only the trailer, the catalog, its name tree and the Info
dictionary are read.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

# What each carried manifest is called in the PDF, and how a PDF viewer describes it.
DESCRIPTIONS = {
    "manifest.json": "kitgen version manifest: the version this PDF belongs to",
    "release.json": "kitgen release manifest: the release this PDF belongs to",
}
_TAIL = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*\Z")
_PREV = re.compile(rb"/Prev (\d+)")


class CarryError(ValueError):
    """The PDF is not one kitgen can append to (never raised for WeasyPrint's output)."""


@dataclass(frozen=True)
class Carried:
    rendered: bytes  # the PDF as rendered, before the manifest was appended
    name: str
    data: bytes  # the carried manifest


def append(pdf: bytes, name: str, data: bytes) -> bytes:
    """``pdf`` with ``data`` appended as the attachment ``name`` (one of ``DESCRIPTIONS``)."""
    from pypdf.generic import DictionaryObject, IndirectObject, NameObject

    description = DESCRIPTIONS[name]
    source = _Source.read(pdf)
    file_number, spec_number, tree_number, names_number, xref_number = range(
        source.size, source.size + 5)
    names, entries = _attachments(source, name, IndirectObject(spec_number, 0, source.reader))
    trailer = source.trailer
    info = source.objects.dictionary(trailer.raw_get("/Info") if "/Info" in trailer else None)
    missing = {key: value for key, value in _version_entries(data).items() if key not in info}
    info_number = xref_number if missing else None
    if missing:
        xref_number += 1

    update = _Update(bytearray(pdf))
    update.write(file_number, b"<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length %d "
                              b"/Params << /Size %d >> >>\nstream\n%s\nendstream"
                 % (len(data), len(data), data))
    update.write(spec_number, b"<< /Type /Filespec /F %s /UF %s /Desc %s /AFRelationship /Data "
                              b"/EF << /F %d 0 R /UF %d 0 R >> >>"
                 % (_literal(name), _literal(name), _literal(description), file_number,
                    file_number))
    update.write(tree_number, b"<< /Names [ %s ] >>" % b" ".join(
        _serial(_text(key)) + b" " + _serial(value) for key, value in entries))
    new_names = DictionaryObject({NameObject(k): names.raw_get(k) for k in names
                                  if k != "/EmbeddedFiles"})
    new_names[NameObject("/EmbeddedFiles")] = IndirectObject(tree_number, 0, source.reader)
    update.write(names_number, _serial(new_names))
    new_catalog = DictionaryObject({NameObject(k): source.catalog.raw_get(k)
                                    for k in source.catalog})
    new_catalog[NameObject("/Names")] = IndirectObject(names_number, 0, source.reader)
    update.write(source.root.idnum, _serial(new_catalog))
    if info_number is not None:
        new_info = DictionaryObject({NameObject(k): info.raw_get(k) for k in info})
        for key, value in missing.items():
            new_info[NameObject(key)] = _text(value)
        update.write(info_number, _serial(new_info))
    return update.finish(xref_number, source, info_number)


@dataclass(frozen=True)
class _Source:
    """What an update appends to: the PDF's trailer, catalog and last cross-reference."""

    reader: Any
    trailer: Any
    root: Any  # the catalog's indirect reference
    catalog: Any
    objects: _Objects
    size: int  # the first free object number
    previous: int  # where the last cross-reference section starts

    @classmethod
    def read(cls, pdf: bytes) -> _Source:
        from pypdf import PdfReader
        from pypdf.generic import IndirectObject

        tail = _TAIL.search(pdf[-64:])
        if tail is None or not pdf.endswith(b"\n"):
            raise CarryError("the PDF does not end with a cross-reference offset")
        reader = PdfReader(io.BytesIO(pdf))
        trailer = reader.trailer
        root = trailer.raw_get("/Root")
        if not isinstance(root, IndirectObject) or root.generation != 0:
            raise CarryError("the PDF's catalog is not an indirect object of generation 0")
        objects = _Objects(reader)
        return cls(reader, trailer, root, objects.dictionary(root), objects,
                   int(trailer["/Size"]), int(tail.group(1)))  # type: ignore[call-overload]


def _attachments(source: _Source, name: str, spec: Any) -> tuple[Any, list[tuple[str, Any]]]:
    """The catalog's /Names dictionary, and its attachments with ``name`` (at ``spec``) added,
    in the order a PDF name tree keeps them."""
    from pypdf.generic import ArrayObject

    catalog, objects = source.catalog, source.objects
    names = objects.dictionary(catalog.raw_get("/Names") if "/Names" in catalog else None)
    tree = objects.dictionary(names.raw_get("/EmbeddedFiles") if "/EmbeddedFiles" in names
                              else None)
    if "/Kids" in tree:
        raise CarryError("the PDF's attachments are in a name tree with kids")
    pairs = list(tree.get("/Names", ArrayObject()))
    entries = [(str(pairs[i]), pairs[i + 1]) for i in range(0, len(pairs) - 1, 2)]
    if any(key == name for key, _ in entries):
        raise CarryError(f"the PDF already carries {name}")
    entries.append((name, spec))
    entries.sort(key=lambda entry: entry[0].encode("utf-16-be"))
    return names, entries


class _Update:
    """An incremental update being written after the PDF's bytes: objects, then the
    cross-reference stream that lists them and points back to the previous one."""

    def __init__(self, out: bytearray) -> None:
        self.out = out
        self.offsets: dict[int, int] = {}

    def write(self, number: int, body: bytes) -> None:
        self.offsets[number] = len(self.out)
        self.out.extend(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def finish(self, xref_number: int, source: _Source, info_number: int | None = None) -> bytes:
        self.offsets[xref_number] = len(self.out)
        numbers = sorted(self.offsets)
        runs: list[list[int]] = []
        for number in numbers:
            if runs and runs[-1][0] + runs[-1][1] == number:
                runs[-1][1] += 1
            else:
                runs.append([number, 1])
        rows = b"".join(b"\x01" + self.offsets[n].to_bytes(4, "big") + b"\x00" for n in numbers)
        extra = b"".join(b" /%s %s" % (key[1:].encode(), _serial(source.trailer.raw_get(key)))
                         for key in ("/Info", "/ID") if key in source.trailer
                         and not (key == "/Info" and info_number is not None))
        if info_number is not None:
            extra = b" /Info %d 0 R%s" % (info_number, extra)
        self.out.extend(b"%d 0 obj\n<< /Type /XRef /Size %d /Root %d 0 R%s /Prev %d /Index [ %s ] "
                        b"/W [ 1 4 1 ] /Length %d >>\nstream\n%s\nendstream\nendobj\n"
                        % (xref_number, xref_number + 1, source.root.idnum, extra,
                           source.previous,
                           b" ".join(b"%d %d" % (start, count) for start, count in runs),
                           len(rows), rows))
        self.out.extend(b"startxref\n%d\n%%%%EOF\n" % self.offsets[xref_number])
        return bytes(self.out)


def _version_entries(data: bytes) -> dict[str, str]:
    """The Info entries naming the version the carried manifest names; none for a manifest
    without its version and digest."""
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    if not isinstance(manifest, dict):
        return {}
    version, digest = manifest.get("version"), manifest.get("digest")
    if not (isinstance(version, str) and isinstance(digest, str)):
        return {}
    return {"/kitgenversion": version, "/kitgendigest": digest}


def _serial(value: Any) -> bytes:
    buffer = io.BytesIO()
    value.write_to_stream(buffer)
    return buffer.getvalue()


def _literal(text: str) -> bytes:
    if not text.isascii() or any(c in text for c in "()\\\r\n"):
        raise CarryError(f"{text!r} needs escaping")
    return b"(" + text.encode() + b")"


class _Objects:
    """Reads single objects of a PDF. WeasyPrint keeps the catalog in a compressed object
    stream, and pypdf parses every object of a stream to return one of them (hundreds, a tenth
    of a second for a playbook); here only the object asked for is parsed."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.streams: dict[int, tuple[bytes, int, list[int]]] = {}

    def dictionary(self, value: Any) -> Any:
        """A PDF dictionary, resolved; an empty one for a missing entry."""
        from pypdf.generic import DictionaryObject, IndirectObject

        if isinstance(value, IndirectObject):
            value = self.resolve(value)
        if value is None:
            value = DictionaryObject()
        if not isinstance(value, DictionaryObject):
            raise CarryError("the PDF's catalog or name tree is not a dictionary")
        return value

    def resolve(self, ref: Any) -> Any:
        from pypdf.generic import IndirectObject, StreamObject, read_object

        located = self.reader.xref_objStm.get(ref.idnum)
        if located is None:
            return ref.get_object()
        number, index = located
        if number not in self.streams:
            stream = IndirectObject(number, 0, self.reader).get_object()
            if not isinstance(stream, StreamObject):
                raise CarryError(f"object stream {number} is not a stream")
            data = stream.get_data()
            first = int(stream["/First"])  # type: ignore[call-overload]
            header = [int(v) for v in data[:first].split()]
            self.streams[number] = (data, first, header)
        data, first, header = self.streams[number]
        if header[2 * index] != ref.idnum:
            raise CarryError(f"object {ref.idnum} is not where the cross-reference says")
        buffer = io.BytesIO(data)
        buffer.seek(first + header[2 * index + 1])
        return read_object(buffer, self.reader)


def _text(value: str) -> object:
    from pypdf.generic import TextStringObject

    return TextStringObject(value)


def split(pdf: bytes, name: str, carried: bytes | None) -> Carried | None:
    """The rendered PDF and the manifest ``name`` appended to it, given the attachment's bytes as
    a PDF reader sees them (``carried``); None unless ``pdf`` is exactly what ``append`` makes of
    them — the PDF was changed after kitgen wrote it, or kitgen did not write it."""
    if carried is None:
        return None
    tail = _TAIL.search(pdf[-64:])
    if tail is None:
        return None
    xref = int(tail.group(1))
    previous = _PREV.search(pdf, xref, xref + 1024)
    if previous is None:
        return None
    marker = b"startxref\n%s\n%%%%EOF\n" % previous.group(1)
    end = pdf.rfind(marker, 0, xref)
    if end < 0:
        return None
    rendered = pdf[: end + len(marker)]
    try:
        if append(rendered, name, carried) != pdf:
            return None
    except (CarryError, ValueError, KeyError, TypeError, AttributeError, OSError):
        return None
    except Exception:  # noqa: BLE001 - pypdf on hostile bytes raises its own kinds too
        return None
    return Carried(rendered, name, carried)
