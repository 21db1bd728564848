#!/usr/bin/env python3
"""Mark one symbol-version requirement of an ELF shared library weak, in place.

Why: TorchSharp's native binding libLibTorchSharp.so is linked against a libstdc++ newer than the one Debian 12 ships
(GLIBCXX_3.4.30). Its .gnu.version_r section asks for GLIBCXX_3.4.32, and the dynamic loader refuses to load a library
whose version requirement is missing ("version `GLIBCXX_3.4.32' not found"), unless that requirement is marked weak
(VER_FLG_WEAK in the Vernaux entry's vna_flags); then a missing version is only a note under LD_DEBUG. The one symbol
of that version the library imports, std::ios_base_library_init(), is an undefined reference that GCC 13's <iostream>
emits only to pull in the stream initialisation; no relocation uses it, so nothing ever binds it, and the library
loads and runs correctly with the requirement weakened. The script prints the symbols of the version and refuses to
weaken it if any relocation refers to one of them (then a missing version could mean a missing function).

Why a script: no maintained ELF tool sets vna_flags. patchelf can clear a symbol's version
(--clear-symbol-version), but the Vernaux entry stays and the loader still demands the version; objcopy and
binutils' other tools do not edit .gnu.version_r at all.

What it does: parses the ELF64 little-endian header and section headers, finds the SHT_GNU_verneed section and its
linked string table, walks the Verneed/Vernaux chains with every offset bounds-checked, and sets VER_FLG_WEAK (0x2)
in vna_flags of the entries whose name matches. Nothing else changes (the file keeps its size). Running it again
changes nothing. It refuses anything it does not understand (not ELF64 LE, no version-needs section, a chain leaving
its section, the name not found) and exits non-zero. It writes through a temporary file and a rename, so a hard link
or symbolic link to the NuGet cache is never written through, and it refuses a path inside a NuGet package folder.

Usage: weaken-glibcxx.py LIBRARY.so [VERSION]   (VERSION defaults to GLIBCXX_3.4.32)
"""

import os
import struct
import sys
import tempfile

SHT_RELA = 4
SHT_REL = 9
SHT_DYNSYM = 11
SHT_GNU_VERNEED = 0x6FFFFFFE
SHT_GNU_VERSYM = 0x6FFFFFFF
VER_FLG_WEAK = 0x2
VER_NEED_CURRENT = 1


class Refused(Exception):
    pass


def unpack(fmt, data, offset, limit):
    """struct.unpack_from, refusing to read past `limit` (the end of the region the value must lie in)."""
    size = struct.calcsize(fmt)
    if offset < 0 or offset + size > limit or offset + size > len(data):
        raise Refused(f"read of {size} bytes at 0x{offset:x} leaves its region (ends 0x{limit:x})")
    return struct.unpack_from(fmt, data, offset)


def c_string(data, offset, start, end):
    if offset < start or offset >= end:
        raise Refused(f"string offset 0x{offset:x} outside its table")
    stop = data.find(b"\0", offset, end)
    if stop < 0:
        raise Refused(f"unterminated string at 0x{offset:x}")
    return data[offset:stop].decode("ascii", "replace")


def sections(data):
    if len(data) < 64 or data[:4] != b"\x7fELF":
        raise Refused("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise Refused("not ELF64 little-endian")
    (e_shoff,) = unpack("<Q", data, 0x28, 64)
    (e_shentsize, e_shnum, e_shstrndx) = unpack("<HHH", data, 0x3A, 64)
    if e_shoff == 0 or e_shnum == 0:
        raise Refused("no section headers (or an extended section count this script does not handle)")
    if e_shentsize != 64:
        raise Refused(f"unexpected section header size {e_shentsize}")
    if e_shoff + e_shnum * 64 > len(data):
        raise Refused("section header table leaves the file")
    result = []
    for i in range(e_shnum):
        (name, kind, _flags, _addr, offset, size, link, info, _align, entsize) = unpack(
            "<IIQQQQIIQQ", data, e_shoff + i * 64, e_shoff + e_shnum * 64)
        if kind != 8 and offset + size > len(data):  # SHT_NOBITS (8) occupies no file space
            raise Refused(f"section {i} leaves the file")
        result.append(dict(index=i, name=name, type=kind, offset=offset, size=size, link=link, info=info,
                           entsize=entsize))
    if e_shstrndx < len(result):
        names = result[e_shstrndx]
        for s in result:
            s["label"] = c_string(data, names["offset"] + s["name"], names["offset"], names["offset"] + names["size"])
    return result


def weaken(path, wanted):
    real = os.path.realpath(path)
    if "/.nuget/packages/" in real or (os.environ.get("NUGET_PACKAGES") and
                                       real.startswith(os.path.realpath(os.environ["NUGET_PACKAGES"]) + os.sep)):
        raise Refused(f"{real} is inside a NuGet package folder; patch the build output's copy only")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    secs = sections(data)
    verneed = [s for s in secs if s["type"] == SHT_GNU_VERNEED]
    if len(verneed) != 1:
        raise Refused(f"expected one SHT_GNU_verneed section, found {len(verneed)}")
    need = verneed[0]
    if need["link"] >= len(secs):
        raise Refused("version-needs section links to no string table")
    strtab = secs[need["link"]]
    str_start, str_end = strtab["offset"], strtab["offset"] + strtab["size"]
    start, end = need["offset"], need["offset"] + need["size"]

    changed, already, indexes = [], [], []
    offset = start
    for _ in range(need["info"]):  # sh_info = number of Verneed entries
        (vn_version, vn_cnt, vn_file, vn_aux, vn_next) = unpack("<HHIII", data, offset, end)
        if vn_version != VER_NEED_CURRENT:
            raise Refused(f"Verneed version {vn_version} at 0x{offset:x} is not 1")
        file_name = c_string(data, str_start + vn_file, str_start, str_end)
        aux = offset + vn_aux
        for _ in range(vn_cnt):
            (vna_hash, vna_flags, vna_other, vna_name, vna_next) = unpack("<IHHII", data, aux, end)
            name = c_string(data, str_start + vna_name, str_start, str_end)
            if name == wanted:
                indexes.append(vna_other)
                if vna_flags & VER_FLG_WEAK:
                    already.append(file_name)
                else:
                    struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                    changed.append((file_name, aux, vna_flags))
            if vna_next == 0:
                break
            aux += vna_next
        if vn_next == 0:
            break
        offset += vn_next

    if not changed and not already:
        raise Refused(f"{path} has no requirement named {wanted}")

    bound = relocated(data, secs, symbols_of_versions(data, secs, set(indexes)))
    for name, uses in bound:
        print(f"weaken-glibcxx: {wanted} is asked for by symbol {name} ({uses} relocations use it)")
    if any(uses for _, uses in bound) and changed:
        raise Refused(f"a relocation uses a symbol of {wanted}; weakening it could leave a call unresolved")
    for file_name, aux, flags in changed:
        print(f"weaken-glibcxx: {path}: {file_name} {wanted}: vna_flags 0x{flags:x} -> 0x{flags | VER_FLG_WEAK:x}"
              f" (Vernaux at file offset 0x{aux:x})")
    for file_name in already:
        print(f"weaken-glibcxx: {path}: {file_name} {wanted} already weak; nothing to do")
    if changed:
        directory = os.path.dirname(os.path.abspath(path))
        mode = os.stat(path).st_mode & 0o7777
        fd, temp = tempfile.mkstemp(prefix=".weaken-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(temp, mode)
            os.replace(temp, path)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise


def symbols_of_versions(data, secs, indexes):
    """(symbol index, name) of the dynamic symbols whose .gnu.version entry is one of `indexes`."""
    versym = [s for s in secs if s["type"] == SHT_GNU_VERSYM]
    dynsym = [s for s in secs if s["type"] == SHT_DYNSYM]
    if len(versym) != 1 or len(dynsym) != 1 or dynsym[0]["entsize"] != 24 or dynsym[0]["link"] >= len(secs):
        raise Refused("expected one .dynsym and one .gnu.version section")
    vs, ds, names = versym[0], dynsym[0], secs[dynsym[0]["link"]]
    count = min(vs["size"] // 2, ds["size"] // 24)
    result = []
    for i in range(count):
        (index,) = unpack("<H", data, vs["offset"] + 2 * i, vs["offset"] + vs["size"])
        if index & 0x7FFF in indexes:
            (st_name,) = unpack("<I", data, ds["offset"] + 24 * i, ds["offset"] + ds["size"])
            result.append((i, c_string(data, names["offset"] + st_name, names["offset"], names["offset"] + names["size"])))
    return result


def relocated(data, secs, symbols):
    """[(name, number of dynamic relocations that refer to it)] for the given (symbol index, name) pairs."""
    dynsym = next(s["index"] for s in secs if s["type"] == SHT_DYNSYM)
    counts = {index: 0 for index, _ in symbols}
    for s in secs:
        if s["type"] not in (SHT_REL, SHT_RELA) or s["link"] != dynsym:
            continue
        size = 24 if s["type"] == SHT_RELA else 16
        for offset in range(s["offset"], s["offset"] + s["size"] - size + 1, size):
            (r_info,) = unpack("<Q", data, offset + 8, s["offset"] + s["size"])
            if r_info >> 32 in counts:
                counts[r_info >> 32] += 1
    return [(name, counts[index]) for index, name in symbols]


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        weaken(argv[1], argv[2] if len(argv) == 3 else "GLIBCXX_3.4.32")
    except (Refused, OSError) as e:
        print(f"weaken-glibcxx: refused {argv[1]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
