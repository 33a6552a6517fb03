# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A value as a refusal of the controller-side helpers shows it: its repr, cut short (PRIVATE to the collection)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def cut_repr(value, limit=80):
    """repr(value), cut to ``limit`` characters with '...'; '(too long to print)' for an int repr refuses."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print (sys.set_int_max_str_digits)
        return '(too long to print)'
    return text if len(text) <= limit else text[:limit - 3] + '...'


def typed(value, limit=80):
    """'<type> <cut repr>', e.g. "str 'eth0'", for a sentence that says what was given."""
    return '%s %s' % (type(value).__name__, cut_repr(value, limit))
