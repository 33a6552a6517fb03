# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side paths of the user's variables (image, backup and report folders, MFT and WinOF packages).

A relative path is taken from the directory of the user's inventory (``inventory_dir``), never from the
installed collection (where ``copy``/``lookup`` would search ``playbooks/files/``) nor from the current
directory: the same inventory gives the same files wherever ansible-playbook is started.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.homelab.connectx.plugins.plugin_utils.shown import cut_repr as _shown


class PathError(ValueError):
    """A relative path with nothing to resolve it against, or an argument of the wrong type."""


def controller_path(path, base, name='the path'):
    """``path`` as an absolute, normalised controller path; '' stays '' (an unset variable stays unset).

    ``~`` and ``~user`` are expanded; a relative path is joined to ``base`` (the inventory's directory). PathError for
    a path that is not a string, a ``base`` that is not a string (or None) and a ``name`` that is not a string.
    """
    if not isinstance(name, str):
        raise PathError('the name of the path must be a string (the variable it comes from), got %s' % type(name).__name__)
    if base is not None and not isinstance(base, str):
        raise PathError('the inventory directory that %s is taken from must be a path (a string), got %s: %s'
                        % (name, type(base).__name__, _shown(base)))
    if path is None:
        return ''
    if not isinstance(path, str):
        raise PathError('%s must be a path (a string), got %s: %s' % (name, type(path).__name__, _shown(path)))
    path = path.strip()
    if not path:
        return ''
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        if not base or not os.path.isabs(base):
            raise PathError('%s is relative (%s) and there is no inventory directory to take it from: give an absolute '
                            'path' % (name, path))
        path = os.path.join(base, path)
    return os.path.normpath(path)
