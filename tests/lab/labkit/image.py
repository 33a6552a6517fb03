# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host images: a debootstrap of a Debian release with tests/lab/host/packages.txt, imported into podman once."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os
import shutil
import tempfile

from labkit.common import HOST_RECIPE, MIRROR, PREFIX, STATE, log, podman, run


def image_tag(suite):
    digest = hashlib.sha256()
    for name in ('packages.txt',):
        with open(os.path.join(HOST_RECIPE, name), 'rb') as handle:
            digest.update(handle.read())
    digest.update(MIRROR.encode())
    digest.update(suite.encode())
    return 'localhost/%s-host:%s' % (PREFIX, digest.hexdigest()[:12])


def ensure_image(suite='bookworm'):
    """The host image of a Debian release (debootstrap of the suite, the same packages.txt), built once."""
    tag = image_tag(suite)
    if podman('image', 'exists', tag, check=False).returncode == 0:
        return tag
    tarball = os.path.join(STATE, 'rootfs-%s.tar' % tag.rsplit(':', 1)[1])
    if not os.path.exists(tarball):
        with open(os.path.join(HOST_RECIPE, 'packages.txt')) as handle:
            packages = [line.split('#')[0].strip() for line in handle if line.split('#')[0].strip()]
        root = tempfile.mkdtemp(prefix='cxlab-rootfs-', dir=STATE)
        log('building the host root filesystem (debootstrap %s, about a minute)' % suite)
        try:
            run(['debootstrap', '--variant=minbase', '--include=' + ','.join(packages), suite, root, MIRROR], timeout=1800)
            run(['tar', '-C', root, '-cf', tarball + '.part', '.'])
            os.rename(tarball + '.part', tarball)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    podman('import', '--change', 'CMD=["/opt/cxlab/host/init"]', tarball, tag)
    return tag


# The fixed names molecule's platforms use for the image of each release (extensions/molecule/*/molecule.yml).
IMAGE_ALIASES = {'bookworm': 'lab', 'trixie': 'pve9'}


def alias_image(tag, suite='bookworm'):
    """Also tag the image under its fixed name: localhost/cxlab-host:lab (Debian 12), localhost/cxlab-host:pve9 (Debian 13)."""
    podman('tag', tag, 'localhost/%s-host:%s' % (PREFIX, IMAGE_ALIASES[suite]))
