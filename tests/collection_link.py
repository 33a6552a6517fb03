# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one way the tests find homelab.connectx under its FQCN without a copy: a collections path whose
ansible_collections/homelab/connectx is a link to this tree (tests/conftest.py puts this folder on sys.path).

- :func:`collection_link`: the link under ``base`` (made once), for imports and for ansible in one process;
- :func:`isolated`: a fresh folder with an empty ansible.cfg and that link, and the environment in which
  ansible-playbook, ansible-doc or antsibull-docs find the collection there and nothing of this tree's ansible.cfg.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collection_link(base, tree=REPO):
    """``base`` as a collections path: its ansible_collections/homelab/connectx links to ``tree`` (made once)."""
    link = os.path.join(str(base), 'ansible_collections', 'homelab', 'connectx')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(tree, link)
    return str(base)


def isolated(folder, **env):
    """(path of the collection in ``folder``/collections, the environment that finds it there): an empty ansible.cfg
    (this tree's needs .cache/collections, which `make collection` creates), ANSIBLE_COLLECTIONS_PATH, and ``env``."""
    folder = str(folder)
    with open(os.path.join(folder, 'ansible.cfg'), 'w') as handle:
        handle.write('[defaults]\n')
    base = collection_link(os.path.join(folder, 'collections'))
    out = dict(os.environ, ANSIBLE_CONFIG=os.path.join(folder, 'ansible.cfg'), ANSIBLE_COLLECTIONS_PATH=base, **env)
    out.pop('ANSIBLE_COLLECTIONS_PATHS', None)
    return os.path.join(base, 'ansible_collections', 'homelab', 'connectx'), out
