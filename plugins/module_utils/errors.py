# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one exception the parsers raise."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ParseError(ValueError):
    """A tool printed something a parser cannot read. ``reason`` is machine-readable."""

    def __init__(self, message, reason='unexpected_output', output=None):
        super(ParseError, self).__init__(message)
        self.reason = reason
        self.output = output
