# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Glue shared by the collection's modules: tool flavour selection, refusals, hashing.

No parsing happens here; parsers live in their own ``parse_*`` module_utils.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import hashlib
import os
import tempfile

from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.module_utils import parse_flint, parse_vpd, tools

MELLANOX_VENDOR = '0x15b3'

# The argument_spec entry every module carries.
TOOL_OPTION = dict(type='str', default='auto', choices=['auto', 'mstflint', 'mft'])

# The Debian package of each flavour (NVIDIA's MFT .deb is called mft).
PACKAGES = {'mstflint': 'mstflint', 'mft': 'mft'}


def select_flavour(runner, requested):
    """'mft' or 'mstflint': auto means MFT when ``flint`` is on PATH, else mstflint."""
    if requested in ('mstflint', 'mft'):
        return requested
    return 'mft' if runner.has('flint') else 'mstflint'


def binary(flavour, job):
    """The command of ``job`` (flint, config, vpd, ...) in ``flavour``: the one table is tools.TOOL_COMMANDS."""
    return tools.TOOL_COMMANDS[flavour][job]


def refuse(module, runner, msg, reason, result=None, **extra):
    """fail_json with a reason, the last tool output and every command that ran."""
    payload = dict(extra)
    if result is not None:
        payload.setdefault('rc', result.rc)
        payload.setdefault('stdout', result.stdout)
        payload.setdefault('stderr', result.stderr)
    payload['commands'] = list(runner.calls)
    module.fail_json(msg=msg, reason=reason, **payload)


def sha256_file(path, chunk=1024 * 1024):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        while True:
            block = handle.read(chunk)
            if not block:
                break
            digest.update(block)
    return digest.hexdigest()


def normalize_bdf(address):
    """'03:00.0' -> '0000:03:00.0'; full addresses are lower-cased."""
    address = (address or '').strip().lower()
    if address.count(':') == 1:
        address = '0000:' + address
    return address


def read_text(path, strict=False):
    """The whole text of a file, or None when it does not exist. Another failure (permissions, not text) is None
    too, unless ``strict``: then it raises IOError (also for a file that is not UTF-8 text), so that a file the
    caller would rewrite is never taken for an absent one."""
    try:
        with open(path) as handle:
            return handle.read()
    except (OSError, IOError, UnicodeDecodeError) as exc:
        if not strict or getattr(exc, 'errno', None) == errno.ENOENT:
            return None
        if isinstance(exc, UnicodeDecodeError):
            raise IOError('%s is not text: %s' % (path, exc))
        raise


def write_text(module, path, text, mode=0o644):
    """Write ``text`` to ``path`` atomically (a temporary file in the same directory, then renamed), ``mode``."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.connectx-')
    try:
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
        os.chmod(tmp, mode)
    except (OSError, IOError):
        os.unlink(tmp)
        raise
    module.atomic_move(tmp, path)
    # atomic_move gives a new file the umask's mode: the one asked for, also then.
    os.chmod(path, mode)


def write_files(module, texts, previous):
    """Write ``{path: text}`` (write_text, sorted by path). When one fails, the files already written get their
    ``previous`` text back (or are removed when they had none) and the error is raised: all or nothing."""
    done = []
    try:
        for path in sorted(texts):
            write_text(module, path, texts[path])
            done.append(path)
    except (OSError, IOError):
        restore_files(module, dict((p, previous.get(p)) for p in done))
        raise


def restore_files(module, previous):
    """Put ``{path: text or None}`` back (None: remove the file); returns the paths that could not be restored."""
    failed = []
    for path, text in previous.items():
        try:
            if text is None:
                if os.path.lexists(path):
                    os.unlink(path)
            else:
                write_text(module, path, text)
        except (OSError, IOError):
            failed.append(path)
    return failed


def read_sysfs(path):
    """Stripped content of a sysfs attribute, or None when it is absent or unreadable."""
    text = read_text(path)
    return text.strip() if text is not None else None


def mellanox_devices(sysfs_pci):
    """{bdf: device dir} of PCI devices with vendor 0x15b3 under ``sysfs_pci``."""
    found = {}
    try:
        names = os.listdir(sysfs_pci)
    except OSError:
        return found
    for name in names:
        devdir = os.path.join(sysfs_pci, name)
        if (read_sysfs(os.path.join(devdir, 'vendor')) or '').lower() == MELLANOX_VENDOR:
            found[name.lower()] = devdir
    return found


def vpd_fields(text):
    """{'PN': ..., 'SN': ...} from mstvpd/mlxvpd output; {} when there is none."""
    try:
        return parse_vpd.parse_mstvpd(text)
    except ParseError:
        return {}


def tool_version(runner, flavour):
    """(version, version tuple) from ``<flint> --version``; (None, None) when it cannot be read."""
    result = runner.run(tools.argv(flavour, 'version'))
    try:
        parsed = parse_flint.parse_version(result.output)
    except ParseError:
        return None, None
    return parsed.get('version'), parsed.get('version_tuple')


def tool_support(runner, flavour, family):
    """tools.support for the installed tool's version and the card's family: the one support check of the modules."""
    return tools.support(flavour, tool_version(runner, flavour)[1], family)


def tool_info(runner, flavour, packages=None):
    """{name, version, supports_connectx3, installed, package, package_version, held} from ``<flint> --version``
    and dpkg (``packages``: package_states already read, else dpkg is asked for the tool's package alone)."""
    version, version_tuple = tool_version(runner, flavour)
    supported = None
    if version_tuple:
        try:
            supported = bool(tools.support(flavour, tuple(version_tuple), 'connectx3').get('supported'))
        except (ParseError, ValueError, KeyError, TypeError):
            supported = None
    info = {'name': flavour, 'version': version, 'supports_connectx3': supported, 'installed': True}
    package = PACKAGES[flavour]
    if packages is None or package not in packages:
        packages = package_states(runner, [package])
    state = packages.get(package) or {}
    info.update(package=package, package_version=state.get('version'), held=state.get('held'))
    return info


DPKG_SHOWFORMAT = '--showformat=${Package} ${Version} ${db:Status-Want} ${db:Status-Status}\\n'


def package_states(runner, names):
    """{name: {installed, version, held}} from one dpkg-query call: the exact version of each installed package and
    whether it is on hold (so that `apt upgrade` keeps it). A package dpkg does not know, or does not have installed
    (removed with its configuration kept is 'config-files'): installed false, version and held null. Not a Debian
    host: every field null."""
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    if not runner.has('dpkg-query'):
        return dict((n, {'installed': None, 'version': None, 'held': None}) for n in names)
    out = dict((n, {'installed': False, 'version': None, 'held': None}) for n in names)
    # rc 1 and "no packages found matching X" on stderr for an unknown one; the others are still listed.
    result = runner.run(['dpkg-query', '--show', DPKG_SHOWFORMAT] + names)
    for line in result.stdout.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[0] in out and fields[3] == 'installed':
            out[fields[0]] = {'installed': True, 'version': fields[1], 'held': fields[2] == 'hold'}
    return out
