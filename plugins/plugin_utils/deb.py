# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The control fields (Package, Version, ...) of a Debian package file on the controller, read without installing it.

A .deb is an ``ar`` archive (deb(5)): the member ``debian-binary`` ("2.0"), then ``control.tar`` - uncompressed, or
``.gz``, ``.xz`` or ``.zst`` after ``dpkg-deb -Z`` - whose ``./control`` holds the fields, then ``data.tar.*``. The
reader walks the ar headers (the data member is skipped, not read) and opens the control member with the standard
library: gzip and xz on every controller, zstd with Python 3.14's ``compression.zstd``. Without it a zstd member is
read by the controller's ``dpkg-deb --field``, when there is one; else the package raises DebUnreadable (a valid
package this controller cannot read: the caller decides what that means).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import gzip
import io
import os
import re
import shutil
import subprocess
import tarfile
import zlib

try:
    import lzma
except ImportError:  # a Python built without liblzma
    lzma = None

AR_MAGIC = b'!<arch>\n'
AR_HEADER_SIZE = 60
# control.tar of a real package is a few KB; a bigger "control" member is not one.
MAX_CONTROL_SIZE = 16 * 1024 * 1024


class DebError(ValueError):
    """The file is not a Debian binary package, or a broken one."""


class DebUnreadable(DebError):
    """A Debian package whose control member this controller cannot decompress (zstd without a zstd reader)."""


def _members(handle):
    """(name, size) of each member of the ar archive open in ``handle``, leaving it at the member's data."""
    if handle.read(len(AR_MAGIC)) != AR_MAGIC:
        raise DebError('not an ar archive (a .deb starts with "!<arch>")')
    while True:
        header = handle.read(AR_HEADER_SIZE)
        if not header:
            return
        if len(header) != AR_HEADER_SIZE or header[58:60] != b'`\n':
            raise DebError('a broken ar member header')
        name = header[:16].decode('ascii', 'replace').strip().rstrip('/')
        try:
            size = int(header[48:58].decode('ascii').strip())
        except ValueError:
            raise DebError('a broken ar member size')
        start = handle.tell()
        yield name, size
        handle.seek(start + size + (size % 2))


def _decompress(name, data):
    """The control.tar bytes of a control member of any compression dpkg-deb writes."""
    if name == 'control.tar':
        return data
    if name == 'control.tar.gz':
        return gzip.decompress(data)
    if name == 'control.tar.xz':
        if lzma is None:
            raise DebUnreadable('its control member is xz-compressed (control.tar.xz) and this Python has no lzma module')
        return lzma.decompress(data)
    if name == 'control.tar.zst':
        try:
            from compression import zstd  # Python 3.14
        except ImportError:
            raise DebUnreadable('its control member is zstd-compressed (control.tar.zst) and this Python has no zstd '
                                'reader (Python 3.14 has one)')
        return zstd.decompress(data)
    raise DebError('an unknown control member %s' % name)


def parse_control(text):
    """{field: value} of the first paragraph of a control file; continuation lines are joined with newlines."""
    fields = {}
    last = None
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        if line[0] in ' \t':
            if last is None:
                raise DebError('a control file that starts with a continuation line')
            fields[last] += '\n' + line.strip()
            continue
        name, sep, value = line.partition(':')
        if not sep or not name.strip():
            raise DebError('a control line without a field name: %r' % line[:80])
        last = name.strip()
        fields[last] = value.strip()
    return fields


def _control_from_tar(data):
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as archive:
            for member in archive.getmembers():
                if member.isfile() and member.name in ('./control', 'control'):
                    return archive.extractfile(member).read().decode('utf-8', 'replace')
    except tarfile.TarError as exc:
        raise DebError('a broken control.tar (%s)' % exc)
    raise DebError('no control file in its control.tar')


def _dpkg_deb_fields(path):
    """The control file as the controller's dpkg-deb prints it, or None without dpkg-deb."""
    dpkg_deb = shutil.which('dpkg-deb')
    if not dpkg_deb:
        return None
    result = subprocess.run([dpkg_deb, '--field', path], capture_output=True, text=True, check=False,
                            env=dict(os.environ, LC_ALL='C'))
    if result.returncode != 0:
        raise DebError('dpkg-deb cannot read it: %s' % (result.stderr.strip() or 'exit code %d' % result.returncode))
    return result.stdout


def read_control(path):
    """The control fields of the .deb at ``path``: {'Package': ..., 'Version': ..., ...}.

    Raises DebError for a file that is not a readable Debian package, DebUnreadable for a zstd one this controller
    cannot decompress (neither Python 3.14 nor dpkg-deb), IOError/OSError when the file cannot be opened."""
    with open(path, 'rb') as handle:
        members = _members(handle)
        first = next(members, None)
        if not first or first[0] != 'debian-binary':
            raise DebError('no debian-binary member first: not a Debian binary package')
        if not handle.read(min(first[1], 16)).startswith(b'2.'):
            raise DebError('a debian-binary member that is not format 2.x')
        for name, size in members:
            if not name.startswith('control.tar'):
                continue
            if size > MAX_CONTROL_SIZE:
                raise DebError('a control member of %d bytes' % size)
            data = handle.read(size)
            if len(data) != size:
                raise DebError('the file ends inside its control member (truncated)')
            try:
                text = _control_from_tar(_decompress(name, data))
            except DebUnreadable:
                text = _dpkg_deb_fields(path)
                if text is None:
                    raise
            except DebError:
                raise
            except (EOFError, OSError, ValueError, zlib.error) + ((lzma.LZMAError,) if lzma else ()) as exc:
                raise DebError('a control member that does not decompress (%s)' % exc)
            return parse_control(text)
    raise DebError('no control member (control.tar.*)')


def upstream_version(version):
    """The upstream part of a Debian version: no epoch (``1:``), no Debian revision (the last ``-...``)."""
    version = (version or '').strip()
    if ':' in version:
        version = version.split(':', 1)[1]
    if '-' in version:
        version = version.rsplit('-', 1)[0]
    return version


def version_tuple(version):
    """(major, minor, patch) from a Debian version's upstream part: '4.33.0-53' and '4.34.1.12-1' (DOCA's builds) give
    (4, 33, 0) and (4, 34, 1); None when it does not start with numbers."""
    match = re.match(r'(\d+)\.(\d+)(?:\.(\d+))?', upstream_version(version))
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())
