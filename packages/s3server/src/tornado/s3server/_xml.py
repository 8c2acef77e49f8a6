"""S3's XML: rendering responses and reading the few request bodies S3 defines.

Responses are built as strings (a listing is the hot path of a sync tool); request bodies
(multi-delete, complete-multipart) are parsed with ElementTree, whose expat parser does not
fetch external entities, after a size check by the caller.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from ._errors import S3Error

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Characters XML 1.0 cannot hold literally; written as character references (S3 does the same:
# clients that want clean XML ask for encoding-type=url).
_SPECIAL = re.compile("[&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}


def _escape_char(m: re.Match[str]) -> str:
    c = m.group(0)
    return _ENTITIES.get(c) or f"&#x{ord(c):X};"


def escape(text: str) -> str:
    """Text made safe for an XML element."""
    return _SPECIAL.sub(_escape_char, text)


def iso8601(timestamp: float) -> str:
    """S3's timestamp form in XML: ``2009-10-12T17:50:30.000Z``."""
    dt = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def element(name: str, value: str | int | bool | None) -> str:
    """``<name>value</name>``; booleans as ``true``/``false``; None gives nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    else:
        text = escape(value)
    return f"<{name}>{text}</{name}>"


def document(root: str, children: Iterable[str]) -> bytes:
    """A whole response document with S3's namespace on its root element."""
    return (HEAD + f'<{root} xmlns="{NS}">' + "".join(children) + f"</{root}>").encode("utf-8")


def error_document(code: str, message: str, resource: str, request_id: str, extra: dict[str, str]) -> bytes:
    parts = [element("Code", code), element("Message", message)]
    parts += [element(k, v) for k, v in extra.items()]
    parts += [element("Resource", resource), element("RequestId", request_id)]
    return (HEAD + "<Error>" + "".join(parts) + "</Error>").encode("utf-8")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse(body: bytes, root: str) -> ET.Element:
    """Parse a request document whose root element must be ``root`` (any namespace)."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise S3Error("MalformedXML", "Document type declarations are not accepted.")
    try:
        tree = ET.fromstring(body)
    except ET.ParseError:
        raise S3Error("MalformedXML") from None
    if _local(tree.tag) != root:
        raise S3Error("MalformedXML")
    return tree


def children(node: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in node if _local(c.tag) == name]


def child_text(node: ET.Element, name: str) -> str | None:
    for c in node:
        if _local(c.tag) == name:
            return c.text or ""
    return None


def parse_delete(body: bytes) -> tuple[list[str], bool]:
    """The keys of a multi-object ``<Delete>`` request and its ``Quiet`` flag."""
    tree = parse(body, "Delete")
    keys = []
    for obj in children(tree, "Object"):
        key = child_text(obj, "Key")
        if key is None:
            raise S3Error("MalformedXML")
        keys.append(key)
    if not keys or len(keys) > 1000:
        raise S3Error("MalformedXML", "A multi-delete names between 1 and 1000 keys.")
    quiet = (child_text(tree, "Quiet") or "").strip().lower() == "true"
    return keys, quiet


def parse_complete(body: bytes) -> list[tuple[int, str]]:
    """(part number, ETag) pairs of a ``<CompleteMultipartUpload>`` request, in document order."""
    tree = parse(body, "CompleteMultipartUpload")
    parts = []
    for part in children(tree, "Part"):
        number = child_text(part, "PartNumber")
        etag = child_text(part, "ETag")
        if number is None or etag is None:
            raise S3Error("MalformedXML")
        try:
            n = int(number.strip())
        except ValueError:
            raise S3Error("MalformedXML") from None
        parts.append((n, etag.strip()))
    if not parts:
        raise S3Error("MalformedXML", "The XML you provided named no parts.")
    return parts
