# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller's copy of a card backup (the action plugin of mlx_firmware_backup).

What lands in ``folder`` (``<connectx_backup_dir>/<inventory_hostname>/``): each backup file, byte for byte,
mode 0600; ``.SHA256SUMS.host``, the host's own SHA256SUMS as received; ``SHA256SUMS``, every backup ever
taken of the host (the restore entry point reads it), whatever the host's file lists now. The folder is
mode 0700 (an existing one is set to it; one that every user may write to is refused).

Both SHA256SUMS are read and updated by module_utils/sums.py, as on the host: both formats of sha256sum, every
line that is not set kept byte for byte, a line that is no checksum but names a file to store refused.

Every file is checked three ways before anything is written: the sha256 of the bytes received, the sha256
the module computed on the host, the line of the host's SHA256SUMS. A file already on the controller with
other content under the same name is never replaced. Either every check passes and the files are written,
or nothing is written and the reason says which file and why.

Every function refuses an argument of the wrong type with a BackupCopyError (reason ``invalid_argument``) whose
sentence names the argument and what it must be.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import hashlib
import os
import stat
import tempfile

from ansible_collections.homelab.connectx.plugins.module_utils import sums
from ansible_collections.homelab.connectx.plugins.plugin_utils.shown import typed

SUMS_FILE = sums.SUMS_FILE
HOST_SUMS_FILE = '.SHA256SUMS.host'


class BackupCopyError(Exception):
    """A backup that cannot be kept on the controller: message and reason, nothing written."""

    def __init__(self, message, reason):
        Exception.__init__(self, message)
        self.reason = reason


def _invalid(argument, must, value):
    return BackupCopyError('%s must be %s, got %s. Nothing was copied to the controller and nothing was burned.'
                           % (argument, must, typed(value)), 'invalid_argument')


def _path(value, argument):
    if not isinstance(value, str) or not value:
        raise _invalid(argument, 'a path on the controller (a non-empty string)', value)
    return value


def _sums_text(value):
    if value is not None and not isinstance(value, (str, bytes)):
        raise _invalid('the host\'s SHA256SUMS', 'its text (a string or bytes)', value)
    return value or ''


FILES = 'a mapping of each backup item to what the module returned for it (path, sha256 and content strings)'


def _files(files):
    """``files`` when it is FILES (an entry may be null: no file on the host); BackupCopyError otherwise."""
    if not isinstance(files, dict) or not all(isinstance(item, str) for item in files):
        raise _invalid('the backup files', FILES, files)
    for item, entry in files.items():
        if entry is None:
            continue
        if not isinstance(entry, dict):
            raise _invalid('the backup file %s' % item, 'a mapping with path, sha256 and content strings', entry)
        for key in ('path', 'sha256', 'content'):
            if not isinstance(entry.get(key), (str, type(None))):
                raise _invalid('%s of the backup file %s' % (key, item), 'a string', entry[key])
    return files


def parse_sums(text):
    """{file name: sha256 (lower case)} of a SHA256SUMS text, both formats of sha256sum (module_utils/sums.py)."""
    return sums.parse(_sums_text(text))


def read_sums(folder):
    """The controller's SHA256SUMS in ``folder`` as {name: sha256}; {} when there is none or it cannot be read."""
    _path(folder, 'the backup folder')
    try:
        return sums.load(os.path.join(folder, SUMS_FILE)).entries()
    except sums.SumsError:
        return {}


def sha256_of(path):
    """The sha256 of the file at ``path`` (a string: open() would take a number as a file descriptor)."""
    _path(path, 'the file to checksum')
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _write_temp(folder, name, data):
    """Write ``data`` to a new temporary file next to folder/name, mode 0600; returns its path (removed on error)."""
    handle, tmp = tempfile.mkstemp(prefix='.%s.' % name, dir=folder)
    try:
        with os.fdopen(handle, 'wb') as out:
            out.write(data)
        os.chmod(tmp, 0o600)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _write(folder, name, data):
    """Write ``data`` to folder/name with mode 0600 (temp file, then rename)."""
    tmp = _write_temp(folder, name, data)
    try:
        os.rename(tmp, os.path.join(folder, name))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def received(files, host_sums_text):
    """{item: (name, bytes, sha256)} from the module's result, checked three ways; BackupCopyError otherwise."""
    files = _files(files)
    host_sums = parse_sums(host_sums_text)
    out = {}
    for item in sorted(files):
        entry = files[item] or {}
        name = os.path.basename(entry.get('path') or '')
        if not name or entry.get('sha256') is None:
            raise BackupCopyError('The host has no %s backup file to copy (%s); nothing was copied to the controller.'
                                  % (item, entry.get('path')), 'backup_copy_mismatch')
        try:
            data = base64.b64decode(entry.get('content') or '', validate=True)
        except (binascii.Error, ValueError, TypeError):
            data = None
        digest = hashlib.sha256(data).hexdigest() if data is not None else None
        reported = (entry.get('sha256') or '').lower()
        listed = host_sums.get(name)
        if digest is None or digest != reported or listed != reported:
            raise BackupCopyError(
                'The copy of the %s backup %s received on the controller has sha256 %s; the host reported %s and its '
                'SHA256SUMS lists %s. Nothing was copied to the controller and nothing was burned; run again, and check '
                'the host\'s disk if it repeats.' % (item, name, digest or 'none (unreadable)', reported or 'none',
                                                     listed or 'nothing'), 'backup_copy_mismatch')
        out[item] = (name, data, digest)
    return out


def store(folder, files, host_sums_text):
    """Keep the backup in ``folder``; returns ({item: path}, [names written]). BackupCopyError: nothing written."""
    _path(folder, 'the backup folder')
    host_sums_text = _sums_text(host_sums_text)
    copies = received(files, host_sums_text)
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise BackupCopyError('%s exists on the controller and is not a directory; move it away or set another '
                              'connectx_backup_dir. Nothing was burned.' % folder, 'controller_dest_invalid')
    if os.path.isdir(folder) and os.stat(folder).st_mode & stat.S_IWOTH:
        # Its mode is set to 0700 below: never that of a directory every user writes to.
        raise BackupCopyError('%s on the controller is writable by every user (mode %o, like /tmp); give the backups a '
                              'directory of their own (connectx_backup_dir). Nothing was burned.'
                              % (folder, stat.S_IMODE(os.stat(folder).st_mode)), 'controller_dest_invalid')
    kept = []
    for item, (name, data, digest) in sorted(copies.items()):
        path = os.path.join(folder, name)
        if os.path.lexists(path):
            try:
                earlier = sha256_of(path) if os.path.isfile(path) else 'none (not a file)'
            except (IOError, OSError) as exc:
                raise BackupCopyError('%s exists on the controller and cannot be read (%s); move it away, then run '
                                      'again. Nothing was burned.' % (path, exc), 'backup_copy_differs')
            if earlier != digest:
                raise BackupCopyError(
                    '%s already exists on the controller with other content (sha256 %s, the host has %s); move it away '
                    'to keep it, then run again. Nothing was burned.' % (path, earlier, digest), 'backup_copy_differs')
            kept.append(name)
    # The controller's SHA256SUMS gets the new checksums; every other line stays as it was. A line that is no
    # checksum but names one of these files is refused before anything is written.
    try:
        record = sums.load(os.path.join(folder, SUMS_FILE))
        record.update(dict((name, digest) for name, data, digest in copies.values()))
    except sums.SumsError as exc:
        raise BackupCopyError('%s Nothing was copied to the controller and nothing was burned.' % exc, 'sums_invalid')
    staged = []
    try:
        if not os.path.isdir(folder):
            os.makedirs(folder, 0o700)
        os.chmod(folder, 0o700)
        for item, (name, data, digest) in sorted(copies.items()):
            if name not in kept:
                staged.append((name, _write_temp(folder, name, data), digest))
        # Read back what is on the disk, the copy a restore would take, before it takes its name: a file that does not
        # read back with its sha256 is removed, and nothing is renamed into place or added to the sums.
        for name, tmp, digest in staged:
            try:
                back = sha256_of(tmp)
            except (IOError, OSError):
                back = None
            if back != digest:
                raise BackupCopyError('The copy of %s on the controller does not read back with sha256 %s (it reads %s); '
                                      'check the controller\'s disk. Nothing was copied to the controller and nothing '
                                      'was burned.' % (os.path.join(folder, name), digest, back or 'nothing'),
                                      'backup_copy_mismatch')
        written = []
        for name, tmp, digest in staged:
            os.rename(tmp, os.path.join(folder, name))
            written.append(name)
        _write(folder, HOST_SUMS_FILE, host_sums_text if isinstance(host_sums_text, bytes) else host_sums_text.encode('utf-8'))
        _write(folder, SUMS_FILE, record.to_bytes())
    except (IOError, OSError) as exc:
        raise BackupCopyError('Cannot write the backup to %s on the controller (%s); set connectx_backup_dir to a '
                              'writable directory. Nothing was burned.' % (folder, exc), 'controller_dest_invalid')
    finally:
        for name, tmp, digest in staged:
            if os.path.lexists(tmp):
                os.unlink(tmp)
    return dict((item, os.path.join(folder, name)) for item, (name, data, digest) in copies.items()), written
