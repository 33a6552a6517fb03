# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SHA256SUMS files, read and updated without losing a line: the host's (mlx_firmware_backup) and the
controller's (plugin_utils/backup.py) use this one implementation.

An entry is a line in one of the two formats that ``sha256sum -c`` (GNU coreutils, ``split_3()`` and
``bsd_split_3()`` in src/digest.c) reads:

    <64 hex>  <name>            sha256sum; `` *<name>`` in binary mode
    SHA256 (<name>) = <64 hex>  sha256sum --tag

with a leading backslash when the name is escaped (``\\\\`` and ``\\n``). ``sha256sum -c`` also skips
comment lines (``#``) and, since coreutils 9, empty lines and a CR before the newline.

Every other line (a comment, another algorithm, a line for a file this collection does not manage,
text it cannot read) is kept byte for byte where it is; CRLF files stay CRLF. Only the entries of the
names being written change: the first entry of a name is rewritten in place (in its own format), later
entries of that name are dropped, a new name is added at the end in the format of the file's last entry.

A line that is no entry but names a file being written is refused (SumsError with the path, the line
number and the line): keeping it would leave a stale word about that file next to the new checksum,
and dropping it would lose what someone wrote.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import re

from ansible.module_utils.common.text.converters import to_bytes, to_text

SUMS_FILE = 'SHA256SUMS'

_GNU_RE = re.compile(br'^[ \t]*(\\?)([0-9a-fA-F]{64}) ([ *])(.+)\Z')
_BSD_RE = re.compile(br'^[ \t]*(\\?)SHA256 ?\((.+)\)[ \t]*=[ \t]*([0-9a-fA-F]{64})\Z')


class SumsError(Exception):
    """A SHA256SUMS that cannot be read, or a line that cannot be kept next to a new checksum."""

    def __init__(self, message, path=None, number=None, line=None):
        Exception.__init__(self, message)
        self.path, self.number, self.line = path, number, line


def _unescape(name):
    out, i = [], 0
    while i < len(name):
        if name[i:i + 1] == b'\\' and i + 1 < len(name):
            nxt = name[i + 1:i + 2]
            out.append({b'\\': b'\\', b'n': b'\n', b'r': b'\r'}.get(nxt, b'\\' + nxt))
            i += 2
        else:
            out.append(name[i:i + 1])
            i += 1
    return b''.join(out)


def _entry(body):
    """(name, digest, style) of an entry line (no newline, no CR), or None."""
    match = _GNU_RE.match(body)
    if match:
        escaped, digest, marker, name = match.groups()
        style = ('gnu', marker)
    else:
        match = _BSD_RE.match(body)
        if not match:
            return None
        escaped, name, digest = match.groups()
        style = ('bsd', None)
    if escaped:
        name = _unescape(name)
    return to_text(name, errors='surrogate_or_replace'), to_text(digest).lower(), style


def _format(name, digest, style):
    name = to_bytes(name, errors='surrogate_or_strict')
    if style[0] == 'bsd':
        return b'SHA256 (' + name + b') = ' + to_bytes(digest)
    return to_bytes(digest) + b' ' + style[1] + name


class Sums(object):
    """The lines of a SHA256SUMS file: entries, and everything else kept as it was."""

    def __init__(self, data=b'', path=None):
        self.path = path
        data = to_bytes(data or b'', errors='surrogate_or_strict')
        # [body (without the line end), line end, entry (name, digest, style) or None]
        self.lines = []
        pos = 0
        while pos < len(data):
            end = data.find(b'\n', pos)
            if end < 0:
                body, ending, pos = data[pos:], b'', len(data)
            else:
                body, ending, pos = data[pos:end], b'\n', end + 1
            if ending and body.endswith(b'\r'):
                body, ending = body[:-1], b'\r\n'
            self.lines.append([body, ending, _entry(body.rstrip(b'\r'))])
        self.newline = self.lines[0][1] if self.lines and self.lines[0][1] else b'\n'

    def entries(self):
        """{name: sha256}; a name listed twice with different checksums maps to None (it checks as listed by nobody)."""
        out = {}
        for body, ending, entry in self.lines:
            if entry:
                name, digest = entry[0], entry[1]
                out[name] = digest if out.get(name, digest) == digest else None
        return out

    def foreign(self):
        """[(line number, text)] of the lines that are no entry, no comment and not empty."""
        return [(number, to_text(body, errors='surrogate_or_replace'))
                for number, (body, ending, entry) in enumerate(self.lines, 1)
                if entry is None and body.strip() and not body.startswith(b'#')]

    def check(self, names):
        """SumsError when a line that is no entry names one of ``names`` (files about to get a new checksum)."""
        for number, text in self.foreign():
            for name in sorted(names):
                if name in text:
                    raise SumsError(
                        '%s line %d is not a sha256sum line ("<sha256>  <name>" or "SHA256 (<name>) = <sha256>") and '
                        'names %s, which this run writes: %r. Fix or remove that line, then run again.'
                        % (self.path or SUMS_FILE, number, name, text), path=self.path, number=number, line=text)

    def changes(self, digests):
        """The names of ``digests`` ({name: sha256}) whose entries would change."""
        listed = self.entries()
        return sorted(name for name, digest in digests.items() if listed.get(name) != digest.lower())

    def update(self, digests):
        """Give each name of ``digests`` ({name: sha256}) its checksum; returns the names that changed.

        SumsError (nothing changed) when a line that is no entry names one of them."""
        changed = self.changes(digests)
        self.check(changed)
        style = ('gnu', b' ')
        for body, ending, entry in self.lines:
            if entry:
                style = entry[2]
        for name in changed:
            digest = digests[name].lower()
            kept = []
            done = False
            for line in self.lines:
                entry = line[2]
                if entry and entry[0] == name:
                    if done:
                        continue
                    line = [_format(name, digest, entry[2]), line[1], (name, digest, entry[2])]
                    done = True
                kept.append(line)
            if not done:
                if kept and not kept[-1][1]:
                    kept[-1][1] = self.newline
                kept.append([_format(name, digest, style), self.newline, (name, digest, style)])
            self.lines = kept
        return changed

    def to_bytes(self):
        return b''.join(body + ending for body, ending, entry in self.lines)


def parse(text):
    """{name: sha256} of a SHA256SUMS text (bytes or text); see Sums.entries."""
    return Sums(text).entries()


def load(path):
    """The Sums of the file at ``path``; empty when there is none. SumsError when it exists and cannot be read."""
    try:
        with open(path, 'rb') as handle:
            return Sums(handle.read(), path=path)
    except (IOError, OSError) as exc:
        if getattr(exc, 'errno', None) == errno.ENOENT:
            return Sums(b'', path=path)
        raise SumsError('%s cannot be read (%s); fix or move it away, then run again.' % (path, exc), path=path)
