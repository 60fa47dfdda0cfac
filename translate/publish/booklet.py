"""impose: a rendered A5 pamphlet becomes a saddle-stitched booklet, two pages on each side of an A4 landscape sheet.

Printed duplex (flip on the short edge), the stack of sheets folded once down the middle and stapled on the fold
reads in page order. Blank pages fill the page count up to a multiple of four, at the end.
"""

from __future__ import annotations

from io import BytesIO

A4_LANDSCAPE = (841.89, 595.28)  # points


def saddle_stitch_order(pages: int) -> list[tuple[int | None, int | None]]:
    """(left, right) page indices for each sheet side in print order: front of sheet 1, back of sheet 1, ...;
    None where a blank page fills the booklet."""
    total = -(-pages // 4) * 4
    def page(i: int) -> int | None:
        return i if i < pages else None

    order = []
    for sheet in range(total // 4):
        order.append((page(total - 1 - 2 * sheet), page(2 * sheet)))  # front: last outside, first inside
        order.append((page(2 * sheet + 1), page(total - 2 - 2 * sheet)))  # back
    return order


def impose(pdf: bytes, sheet: tuple[float, float] = A4_LANDSCAPE) -> bytes:
    """Two pages of `pdf` side by side on each `sheet`, meeting at its middle, in saddle-stitch order.

    Each page becomes a form XObject, placed on its sheet with a translation, its content stream left as it is:
    pypdf's merge_transformed_page parses and rewrites every content stream, which took longer than rendering."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

    reader = PdfReader(BytesIO(pdf))
    writer = PdfWriter()
    width, height = sheet
    forms = {}

    def form(index: int):
        if index not in forms:
            page = reader.pages[index]
            stream = DecodedStreamObject()
            stream.set_data(page.get_contents().get_data())
            stream = stream.flate_encode()
            stream.update({
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(FloatObject(v) for v in page.mediabox),
                NameObject("/Resources"): page["/Resources"].clone(writer),
            })
            forms[index] = writer._add_object(stream)
        return forms[index]

    for left, right in saddle_stitch_order(len(reader.pages)):
        side = writer.add_blank_page(width, height)
        xobjects = DictionaryObject()
        drawing = []
        for index, at_left in ((left, True), (right, False)):
            if index is None:
                continue
            box = reader.pages[index].mediabox
            x = width / 2 - float(box.width) if at_left else width / 2
            y = (height - float(box.height)) / 2
            name = f"/P{index}"
            xobjects[NameObject(name)] = form(index)
            drawing.append(f"q 1 0 0 1 {x:.3f} {y:.3f} cm {name} Do Q")
        content = DecodedStreamObject()
        content.set_data("\n".join(drawing).encode("ascii"))
        side[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
        side[NameObject("/Contents")] = writer._add_object(content)
    if reader.metadata:
        writer.add_metadata({k: v for k, v in reader.metadata.items() if isinstance(k, str)})
    root = reader.trailer["/Root"]
    if "/Lang" in root:
        writer.root_object[NameObject("/Lang")] = root["/Lang"]
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
