# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's local Debian package mirror: what a fresh node's apt finds, served on the management bridge.

    python3 mirror.py serve ADDRESS PORT[,PORT] DIRECTORY cxlab-mirror     (started and stopped by labctl)

A lab host is a fresh Proxmox VE node: it has no mstflint and no iperf3, and it installs them with apt from
its Debian mirror. The lab has no Internet, so labctl builds small repositories once (`apt-get download` on the
controller, `apt-ftparchive` for the indexes) and serves them over HTTP on the bridge, one directory each under
the served root; each host's sources.list points at the one of its Debian release (`[trusted=yes]`: the files
come from the controller's own verified apt, and the repositories never leave the lab).

- ``bookworm/`` (Proxmox VE 8, Debian 12), a flat repository: the packages of tests/lab/host/mirror.txt
  (mstflint 4.21.0+1-1 as Debian 12 ships it, iperf3) with every dependency a fresh host lacks - nothing more,
  so a role that needs another package fails here as it would on a node whose mirror lacks it; and a newer
  mstflint stand-in, version 4.26.0+1-1~cxlab1: the real 4.21 package repacked with
  emulator/mstflint-4.26-wrapper in front of its mstflint and mstconfig (what 4.26+ does on ConnectX-3: see
  that file). Debian 12 has no 4.26; a node that pulls mstflint from a newer suite gets one. With it in the
  mirror, an unpinned `apt-get install mstflint` takes the broken version, as it would there, and the tools
  role's version check is tested for real.
- ``trixie/`` (Proxmox VE 9, Debian 13), a flat repository: tests/lab/host/mirror-trixie.txt (Debian 13's own
  mstflint 4.31, iperf3, and the Debian 13 libraries Debian 12's mstflint links with) and their dependencies
  that the trixie image lacks, downloaded by an apt of its own whose only source is trixie (apt_options). No
  stand-in: the real 4.31 is the broken version there.
- ``debian/``: Debian 12 "bookworm" as deb.debian.org serves it, cut down to what the tools role's bookworm route
  fetches on a Debian 13 node (build_route): the archive's own signed InRelease and indexes, and the .deb files of
  exactly the packages the role takes from bookworm (plugins/module_utils/tools.py BOOKWORM_ROUTE: mstflint
  4.21.0+1-1 and the two libraries Debian 13 lacks). The lab hosts resolve deb.debian.org to the mirror, which
  also answers on port 80, so the role's default source (http://deb.debian.org/debian, Signed-By Debian's keyring)
  works unchanged and apt checks Debian's own signature.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import glob
import gzip
import hashlib
import http.server
import lzma
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request

LAB = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(LAB))
WRAPPER = os.path.join(LAB, 'emulator', 'mstflint-4.26-wrapper')
STANDIN_VERSION = '4.26.0+1-1~cxlab1'
STANDIN_DIR = '/usr/lib/cxlab-mstflint'
PORT = 8181
# deb.debian.org, as the lab hosts resolve it (labctl): the mirror answers on the HTTP port too.
ARCHIVE_HOST = 'deb.debian.org'
ARCHIVE_PORT = 80
MARKER = 'cxlab-mirror'
# Per Debian release of a lab host: the list of what its repository offers, and whether the 4.26 stand-in goes in.
SUITES = {
    'bookworm': {'list': os.path.join(LAB, 'host', 'mirror.txt'), 'standin': True},
    'trixie': {'list': os.path.join(LAB, 'host', 'mirror-trixie.txt'), 'standin': False},
}
sys.path.insert(0, os.path.join(REPO, 'plugins', 'module_utils'))
import tools as collection_tools  # noqa: E402  pylint: disable=wrong-import-position,import-error


class MirrorError(Exception):
    """A one-line, user-facing error."""


def wanted(suite):
    """The package specs of the suite's list (name or name=version)."""
    with open(SUITES[suite]['list']) as handle:
        return [line.split('#')[0].strip() for line in handle if line.split('#')[0].strip()]


def route_specs():
    """What the tools role takes from bookworm on Debian 13 (the collection's BOOKWORM_ROUTE, the one place)."""
    route = collection_tools.BOOKWORM_ROUTE
    return ['%s=%s' % (route['package'], route['version'])] + list(route['libraries'])


def stamp(*parts):
    digest = hashlib.sha256()
    for path in [WRAPPER, __file__] + [SUITES[s]['list'] for s in sorted(SUITES)]:
        with open(path, 'rb') as handle:
            digest.update(handle.read())
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()[:12]


def _run(argv, cwd=None):
    res = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=dict(os.environ, LC_ALL='C'))
    if res.returncode != 0:
        raise MirrorError('%s failed (rc %d): %s' % (' '.join(argv), res.returncode, (res.stderr or res.stdout).strip()[-500:]))
    return res.stdout


def apt_options(state, suite, archive):
    """apt-get/apt-cache options for the suite: the controller's own apt for bookworm (the controller is Debian 12,
    like the hosts of the lab's Proxmox VE 8), else an apt of its own under ``state`` whose only source is the suite
    of ``archive`` (the controller's keyring checks it: Debian 12's debian-archive-keyring has the Debian 13 keys)
    and which knows of no installed package, so that nothing of the controller leaks into what it resolves."""
    if suite == 'bookworm':
        return []
    root = os.path.join(state, 'apt-%s' % suite)
    for sub in ('lists/partial', 'cache/archives/partial', 'sources.list.d', 'preferences.d'):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    with open(os.path.join(root, 'sources.list'), 'w') as handle:
        handle.write('deb %s %s main\n' % (archive, suite))
    open(os.path.join(root, 'status'), 'a').close()
    return ['-o', 'Dir::Etc::SourceList=%s' % os.path.join(root, 'sources.list'), '-o', 'Dir::Etc::SourceParts=%s' % os.path.join(root, 'sources.list.d'),
            '-o', 'Dir::Etc::Preferences=/dev/null', '-o', 'Dir::Etc::PreferencesParts=%s' % os.path.join(root, 'preferences.d'),
            '-o', 'Dir::State::Lists=%s' % os.path.join(root, 'lists'), '-o', 'Dir::State::status=%s' % os.path.join(root, 'status'),
            '-o', 'Dir::Cache=%s' % os.path.join(root, 'cache'), '-o', 'APT::Architecture=amd64']


def closure(specs, options):
    """Every package the specs need (Depends and Pre-Depends, recursively), as apt resolves them."""
    names = [s.split('=')[0] for s in specs]
    out = _run(['apt-cache'] + options + ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts',
                                          '--no-breaks', '--no-replaces', '--no-enhances'] + names)
    return sorted({line.strip() for line in out.splitlines() if line and not line.startswith(' ') and not line.startswith('<')})


def download(specs, dest, options):
    """apt-get download into dest; once more after apt-get update when the lists are missing or stale."""
    try:
        _run(['apt-get'] + options + ['download'] + specs, cwd=dest)
    except MirrorError:
        _run(['apt-get'] + options + ['update', '-q'])
        _run(['apt-get'] + options + ['download'] + specs, cwd=dest)


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


def write_packages(packages, directory):
    with open(os.path.join(directory, 'Packages'), 'w') as handle:
        handle.write(packages)
    with gzip.open(os.path.join(directory, 'Packages.gz'), 'wt') as handle:
        handle.write(packages)


def index(directory):
    write_packages(_run(['apt-ftparchive', 'packages', '.'], cwd=directory), directory)
    release = _run(['apt-ftparchive', '-o', 'APT::FTPArchive::Release::Origin=cxlab',
                    '-o', 'APT::FTPArchive::Release::Label=cxlab local mirror', 'release', '.'], cwd=directory)
    with open(os.path.join(directory, 'Release'), 'w') as handle:
        handle.write(release)


REPOSITORIES = tuple(sorted(SUITES)) + ('debian',)


def served_root(state):
    """The directory the server serves: one link per repository (bookworm/, trixie/, debian/). What an older layout
    of the mirror left in the cache goes."""
    root = os.path.join(state, 'mirror', 'root')
    os.makedirs(root, exist_ok=True)
    for name in os.listdir(root):
        if name not in REPOSITORIES:
            os.unlink(os.path.join(root, name))
    for name in os.listdir(os.path.dirname(root)):
        if name != 'root' and name.rsplit('-', 1)[0] not in REPOSITORIES:
            shutil.rmtree(os.path.join(os.path.dirname(root), name), ignore_errors=True)
    return root


def publish(state, name, directory):
    link = os.path.join(served_root(state), name)
    if os.path.islink(link) or os.path.exists(link):
        os.unlink(link)
    os.symlink(os.path.relpath(directory, os.path.dirname(link)), link)


def fresh_dir(state, name):
    """(directory, True) when it is built already, else (its .part to build in, False); older builds of name go."""
    directory = os.path.join(state, 'mirror', name)
    if os.path.exists(directory):
        return directory, True
    prefix = name.rsplit('-', 1)[0] + '-'
    for old in glob.glob(os.path.join(state, 'mirror', prefix + '*')):
        if os.path.basename(old).rsplit('-', 1)[0] + '-' == prefix:
            shutil.rmtree(old, ignore_errors=True)
    part = directory + '.part'
    shutil.rmtree(part, ignore_errors=True)
    os.makedirs(part)
    return part, False


def build(state, image_tag, installed, suite='bookworm', archive='http://deb.debian.org/debian'):
    """The suite's repository for this host image (built once; `installed()`: the packages the image has),
    published under the served root as ``<suite>/``. Returns its directory."""
    directory, done = fresh_dir(state, '%s-%s' % (suite, stamp(image_tag, suite, archive)))
    if not done:
        part = directory
        options = apt_options(state, suite, archive)
        specs = wanted(suite)
        pinned = {s.split('=')[0]: s for s in specs}
        have = set(installed())
        if options:
            _run(['apt-get'] + options + ['update', '-q'])
        download([pinned.get(name, name) for name in closure(specs, options) if name not in have], part, options)
        if SUITES[suite]['standin']:
            real = glob.glob(os.path.join(part, 'mstflint_*.deb'))
            if len(real) != 1:
                raise MirrorError('the mirror needs exactly one mstflint package to build the 4.26 stand-in, found %d' % len(real))
            standin(real[0], part)
        index(part)
        directory = part[:-len('.part')]
        os.rename(part, directory)
    publish(state, suite, directory)
    return directory


def fetch(url, dest, sha256=None):
    """One file of the Debian archive, checked against its SHA256 when the index gives one."""
    part = dest + '.part'
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=120) as response, open(part, 'wb') as handle:
            shutil.copyfileobj(response, handle)
    except (OSError, ValueError) as exc:
        raise MirrorError('cannot download %s (%s)' % (url, exc))
    if sha256:
        with open(part, 'rb') as handle:
            got = hashlib.sha256(handle.read()).hexdigest()
        if got != sha256:
            os.unlink(part)
            raise MirrorError('%s: sha256 %s, the archive\'s index says %s' % (url, got, sha256))
    os.rename(part, dest)
    return dest


def release_hashes(text):
    """{path: sha256} of the SHA256 section of a Release/InRelease text."""
    out, inside = {}, False
    for line in text.splitlines():
        if not line.startswith(' '):
            inside = line.strip() == 'SHA256:'
            continue
        if inside and len(line.split()) == 3:
            digest, _size, path = line.split()
            out[path] = digest
    return out


def packages_entries(text):
    """[{field: value}] of a Packages index."""
    entries = []
    for block in text.split('\n\n'):
        fields = {}
        for line in block.splitlines():
            if line and not line.startswith(' ') and ':' in line:
                key, _sep, value = line.partition(':')
                fields[key] = value.strip()
        if fields:
            entries.append(fields)
    return entries


def build_route(state, archive):
    """``debian/``: Debian 12 "bookworm" as deb.debian.org serves it, but only what the tools role's bookworm route
    fetches on Debian 13: the archive's own signed InRelease, the main/amd64 Packages and the English translations
    (at their paths and by-hash), and the .deb files of the route's packages (BOOKWORM_ROUTE) at their pool paths.
    Nothing is re-signed: apt on the host checks Debian's signature with its own keyring, as against the real
    archive. The lab hosts resolve deb.debian.org to the mirror (labctl), so the role's defaults work unchanged."""
    directory, done = fresh_dir(state, 'debian-%s' % stamp(archive, *route_specs()))
    if not done:
        part = directory
        dists = os.path.join(part, 'dists', 'bookworm')
        inrelease = fetch('%s/dists/bookworm/InRelease' % archive, os.path.join(dists, 'InRelease'))
        res = subprocess.run(['gpgv', '--keyring', '/usr/share/keyrings/debian-archive-keyring.gpg', inrelease],
                             capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise MirrorError('the InRelease of bookworm from %s does not carry a good Debian signature: %s'
                              % (archive, res.stderr.strip()[-300:]))
        with open(inrelease) as handle:
            hashes = release_hashes(handle.read())
        wanted_indexes = ['main/binary-amd64/Packages.xz']
        wanted_indexes += [p for p in ('main/i18n/Translation-en.xz', 'main/i18n/Translation-en.bz2') if p in hashes][:1]
        for path in wanted_indexes:
            if path not in hashes:
                raise MirrorError('the InRelease of bookworm from %s lists no %s' % (archive, path))
            local = fetch('%s/dists/bookworm/%s' % (archive, path), os.path.join(dists, path), hashes[path])
            by_hash = os.path.join(os.path.dirname(local), 'by-hash', 'SHA256', hashes[path])
            os.makedirs(os.path.dirname(by_hash), exist_ok=True)
            os.link(local, by_hash)
        with lzma.open(os.path.join(dists, 'main', 'binary-amd64', 'Packages.xz'), 'rt') as handle:
            entries = packages_entries(handle.read())
        for spec in route_specs():
            name, _sep, version = spec.partition('=')
            found = [e for e in entries if e.get('Package') == name and (not version or e.get('Version') == version)]
            if len(found) != 1:
                raise MirrorError('bookworm from %s has %d packages %s, expected one' % (archive, len(found), spec))
            fetch('%s/%s' % (archive, found[0]['Filename']), os.path.join(part, found[0]['Filename']), found[0]['SHA256'])
        directory = part[:-len('.part')]
        os.rename(part, directory)
    publish(state, 'debian', directory)
    return directory


def base_url(address):
    return 'http://%s:%d' % (address, PORT)


def sources_line(address, suite='bookworm'):
    return 'deb [trusted=yes] %s/%s/ ./\n' % (base_url(address), suite)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # pylint: disable=arguments-differ
        sys.stderr.write('%s - %s\n' % (self.address_string(), args[0] % args[1:]))


def serve(address, ports, directory):
    """Serve directory on address at each port: PORT for the flat repositories, 80 for deb.debian.org."""
    handler = functools.partial(QuietHandler, directory=directory)
    servers = [http.server.ThreadingHTTPServer((address, int(port)), handler) for port in ports]
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == '__main__':
    if len(sys.argv) == 6 and sys.argv[1] == 'serve' and sys.argv[5] == MARKER:
        serve(sys.argv[2], sys.argv[3].split(','), sys.argv[4])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
