# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's local Debian package mirror: what a fresh node's apt finds, served on the management bridge.

    python3 mirror.py serve ADDRESS PORT DIRECTORY cxlab-mirror     (started and stopped by labctl)

A lab host is a fresh Proxmox VE 8 node: it has no mstflint and no iperf3, and it installs them with apt
from its Debian mirror. The lab has no Internet, so labctl builds a small flat repository once
(`apt-get download` on the controller, `apt-ftparchive` for the index) and serves it over HTTP on the
bridge; each host's sources.list points at it (`[trusted=yes]`: the files come from the controller's own
verified apt, and the repository never leaves the lab). It holds:

- the packages of tests/lab/host/mirror.txt (mstflint 4.21.0+1-1 as Debian 12 ships it, iperf3) with
  every dependency a fresh host lacks - nothing more, so a role that needs another package fails here as
  it would on a node whose mirror lacks it;
- a newer mstflint stand-in, version 4.26.0+1-1~cxlab1: the real 4.21 package repacked with
  emulator/mstflint-4.26-wrapper in front of its mstflint and mstconfig (what 4.26+ does on ConnectX-3:
  see that file). Debian 12 has no 4.26; a node that pulls mstflint from a newer suite gets one. With it
  in the mirror, an unpinned `apt-get install mstflint` takes the broken version, as it would there, and
  the tools role's version check is tested for real.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import glob
import gzip
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import tempfile

LAB = os.path.dirname(os.path.abspath(__file__))
LIST = os.path.join(LAB, 'host', 'mirror.txt')
WRAPPER = os.path.join(LAB, 'emulator', 'mstflint-4.26-wrapper')
STANDIN_VERSION = '4.26.0+1-1~cxlab1'
STANDIN_DIR = '/usr/lib/cxlab-mstflint'
PORT = 8181
MARKER = 'cxlab-mirror'


class MirrorError(Exception):
    """A one-line, user-facing error."""


def wanted():
    """The package specs of mirror.txt (name or name=version)."""
    with open(LIST) as handle:
        return [line.split('#')[0].strip() for line in handle if line.split('#')[0].strip()]


def stamp(image_tag):
    digest = hashlib.sha256()
    for path in (LIST, WRAPPER, __file__):
        with open(path, 'rb') as handle:
            digest.update(handle.read())
    digest.update(image_tag.encode())
    return digest.hexdigest()[:12]


def _run(argv, cwd=None):
    res = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=dict(os.environ, LC_ALL='C'))
    if res.returncode != 0:
        raise MirrorError('%s failed (rc %d): %s' % (' '.join(argv), res.returncode, (res.stderr or res.stdout).strip()[-500:]))
    return res.stdout


def closure(specs):
    """Every package the specs need (Depends and Pre-Depends, recursively), as the controller's apt resolves them."""
    names = [s.split('=')[0] for s in specs]
    out = _run(['apt-cache', 'depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts',
                '--no-breaks', '--no-replaces', '--no-enhances'] + names)
    return sorted({line.strip() for line in out.splitlines() if line and not line.startswith(' ') and not line.startswith('<')})


def download(specs, dest):
    """apt-get download into dest; once more after apt-get update when the controller's lists are missing or stale."""
    try:
        _run(['apt-get', 'download'] + specs, cwd=dest)
    except MirrorError:
        _run(['apt-get', 'update', '-q'])
        _run(['apt-get', 'download'] + specs, cwd=dest)


def standin(real_deb, dest):
    """The 4.26 stand-in package from the real 4.21 one (see the module docstring)."""
    work = tempfile.mkdtemp(prefix='cxlab-standin-')
    try:
        root = os.path.join(work, 'root')
        _run(['dpkg-deb', '-R', real_deb, root])
        os.makedirs(root + STANDIN_DIR)
        for tool in ('mstflint', 'mstconfig'):
            os.rename(os.path.join(root, 'usr', 'bin', tool), os.path.join(root + STANDIN_DIR, tool))
            shutil.copy(WRAPPER, os.path.join(root, 'usr', 'bin', tool))
            os.chmod(os.path.join(root, 'usr', 'bin', tool), 0o755)
        control = os.path.join(root, 'DEBIAN', 'control')
        with open(control) as handle:
            lines = handle.read().splitlines()
        lines = ['Version: %s' % STANDIN_VERSION if line.startswith('Version:') else line for line in lines]
        lines = [line + ' (cxlab stand-in of a 4.26+ build: ConnectX-3 unsupported)' if line.startswith('Description:') else line
                 for line in lines]
        with open(control, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')
        md5sums = os.path.join(root, 'DEBIAN', 'md5sums')
        if os.path.exists(md5sums):
            os.unlink(md5sums)
        out = os.path.join(dest, 'mstflint_%s_amd64.deb' % STANDIN_VERSION.replace(':', '%3a'))
        _run(['dpkg-deb', '--root-owner-group', '-Zxz', '-b', root, out])
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def index(directory):
    packages = _run(['apt-ftparchive', 'packages', '.'], cwd=directory)
    with open(os.path.join(directory, 'Packages'), 'w') as handle:
        handle.write(packages)
    with gzip.open(os.path.join(directory, 'Packages.gz'), 'wt') as handle:
        handle.write(packages)
    release = _run(['apt-ftparchive', '-o', 'APT::FTPArchive::Release::Origin=cxlab',
                    '-o', 'APT::FTPArchive::Release::Label=cxlab local mirror', 'release', '.'], cwd=directory)
    with open(os.path.join(directory, 'Release'), 'w') as handle:
        handle.write(release)


def build(state, image_tag, installed):
    """The mirror directory for this host image (built once; `installed()`: the packages the image has)."""
    directory = os.path.join(state, 'mirror', stamp(image_tag))
    if os.path.exists(os.path.join(directory, 'Release')):
        return directory
    for old in glob.glob(os.path.join(state, 'mirror', '*')):
        shutil.rmtree(old, ignore_errors=True)
    part = directory + '.part'
    shutil.rmtree(part, ignore_errors=True)
    os.makedirs(part)
    specs = wanted()
    pinned = {s.split('=')[0]: s for s in specs}
    have = set(installed())
    needed = [pinned.get(name, name) for name in closure(specs) if name not in have]
    download(needed, part)
    real = glob.glob(os.path.join(part, 'mstflint_*.deb'))
    if len(real) != 1:
        raise MirrorError('the mirror needs exactly one mstflint package to build the 4.26 stand-in, found %d' % len(real))
    standin(real[0], part)
    index(part)
    os.rename(part, directory)
    return directory


def sources_line(address):
    return 'deb [trusted=yes] http://%s:%d/ ./\n' % (address, PORT)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # pylint: disable=arguments-differ
        sys.stderr.write('%s - %s\n' % (self.address_string(), args[0] % args[1:]))


def serve(address, port, directory):
    handler = functools.partial(QuietHandler, directory=directory)
    with http.server.ThreadingHTTPServer((address, int(port)), handler) as server:
        server.serve_forever()


if __name__ == '__main__':
    if len(sys.argv) == 6 and sys.argv[1] == 'serve' and sys.argv[5] == MARKER:
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
