# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection under its FQCN without a copy: tests/collection_link.py, the one helper every suite uses."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from collection_link import REPO, collection_link  # noqa: E402 pylint: disable=wrong-import-position

__all__ = ['REPO', 'collection_link']
