# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Why a link is not as declared: the findings of both ends folded into one reason per cause, with likely causes.

_link_reasons turns the ends' findings into sentences: a cable on the card's other port, no carrier at both ends
(with what the cages hold), a speed below the declared one with its likely causes (card firmware, QSA, module, link
modes, a cable that cannot run 56 GbE), and hints (a 56G-capable cable on a 40G link). cable_text says the cable
of a link in words.

Pure functions over plain data (no Ansible import); link_text.link_report calls them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.module_utils import psid as boards
from ansible_collections.homelab.connectx.plugins.plugin_utils.link_eval import capable_56g, module_name, module_present

SENTENCE_56G = '56GbE needs a Mellanox DAC (e.g. MC2207130-xxx); this is %s'


def _min(values):
    values = [v for v in values if v is not None]
    return min(values) if values else None


def _where(end):
    return '%s:%s' % (end.get('host'), end.get('iface'))


def cable_text(ends):
    """The cable of a link in words, from the modules both ends read: one text when both read the same cable."""
    names = []
    for side in ('a', 'b'):
        end = (ends or {}).get(side) or {}
        module = end.get('module')
        if end.get('missing') or not module:
            continue
        if module.get('kind') == 'none':
            words = {'no_module': 'no module', 'unreadable': 'a module ethtool cannot read'}
            text = words.get(module.get('reason'), 'module unknown')
        else:
            text = module.get('summary') or module_name(module) or 'module'
        names.append((side, text))
    if not names:
        return None
    if len(set(text for _side, text in names)) == 1:
        return names[0][1]
    return '; '.join('%s: %s' % (side, text) for side, text in names)


def _card_cap_causes(ends, declared):
    """Cards whose firmware (PSID) runs Ethernet slower than ``declared``: the QCBT 10 GbE boards first."""
    causes = []
    for end in ends:
        card = end.get('card') or {}
        top = card.get('eth_max_mbps')
        if top is None or top >= declared:
            continue
        target = boards.crossflash_target(card.get('psid'))
        text = "%s's card is an %s, whose firmware runs %s Mb/s at most in Ethernet" % (end.get('host'), card.get('text'), top)
        if target and target['eth_max_mbps'] >= declared:
            text += ': crossflash it to %s (%s) with the firmware role (connectx_firmware_image)' % (
                target['part_number'], target['psid'])
        causes.append(text)
    return causes


def _speed_causes(ends, declared):
    """The likely causes of a link slower than declared, most likely first, from what is known."""
    causes = _card_cap_causes(ends, declared)
    for end in ends:
        module = end.get('module') or {}
        if module.get('kind') == 'qsa':
            causes.append('%s holds a QSFP-to-SFP adapter (QSA) with %s: an SFP+ port runs 10000 Mb/s at most'
                          % (_where(end), module_name(module) or 'an SFP module'))
        elif module.get('max_speed_mbps') and module['max_speed_mbps'] < min(declared, 40000) and module.get('kind') != 'none':
            # (56 GbE is no standard: a 56G cable's compliance codes stop at 40GBASE-CR4; the 56G rule judges those)
            causes.append('the module in %s (%s) is rated for %s Mb/s' % (_where(end), module_name(module),
                                                                          module['max_speed_mbps']))
    for end in ends:
        top = end.get('port_max_mbps')
        if top and top < declared:
            causes.append('%s supports %s Mb/s at most (its link modes)' % (_where(end), top))
    if declared == 56000:
        causes.extend(_not_56g(ends))
    return causes


def _not_56g(ends):
    """SENTENCE_56G for the first module of the link that cannot run 56 GbE (one sentence for both ends of a DAC)."""
    for end in ends:
        module = end.get('module') or {}
        if module.get('kind') not in (None, 'none', 'unknown') and not capable_56g(module):
            return [SENTENCE_56G % (module_name(module) or module.get('summary'))]
    return []


def _listing(causes):
    if len(causes) == 1:
        return 'likely cause: %s' % causes[0]
    return 'likely causes, most likely first: %s' % '; '.join('(%d) %s' % (i + 1, c) for i, c in enumerate(causes))


def _no_carrier_text(ends, declared):
    """One sentence for a link without carrier at both ends, with what the cages hold."""
    where = ' and '.join(_where(e) for e in ends)
    if declared == 56000:
        not_56g = _not_56g(ends)
        if not_56g:
            return '%s: the link did not come up at 56000 Mb/s (carrier is down at %s)' % (not_56g[0], where)
    present = [module_present(e.get('module')) for e in ends]
    if present and all(p is False for p in present):
        return 'carrier is down at both ends (%s) and neither cage holds a module: the cable is unplugged' % where
    if present and all(p is True for p in present):
        cable = cable_text(dict(zip(('a', 'b'), ends))) or 'a module'
        return ('carrier is down at both ends (%s) with a module in both cages (%s): the cable is broken, a fibre is '
                'unplugged, or a port is down' % (where, cable))
    empty = [_where(e) for e, p in zip(ends, present) if p is False]
    if empty:
        return ('carrier is down at both ends (%s): the cage of %s is empty, plug the cable in there'
                % (where, ' and '.join(empty)))
    return 'carrier is down at both ends (%s): the cable is unplugged or broken, or a port is down' % where


def _link_reasons(entry):
    """The reasons of one link, one per cause: the ends' findings, with what both ends show folded together.

    A cable on the card's other port is said once (the carrier and ping findings it explains go); no carrier at both
    ends is one sentence; a speed below the declared one is one sentence with its likely causes in order; a 56G link
    on a cable that cannot run 56 GbE names the cable. Findings of other kinds (driver, MTU...) and errors without a
    finding (the Windows checks) stay as they are. Returns (reasons, hints).
    """
    declared = entry['speed_mbps']
    ends = [entry['ends'][s] for s in ('a', 'b') if not entry['ends'][s].get('missing')]
    findings = [(end, f) for end in ends for f in end.get('findings') or []]
    codes = dict((id(end), set(f['code'] for f in end.get('findings') or [])) for end in ends)
    drop, first = set(), []
    wrong = [f['text'] for _end, f in findings if f['code'] == 'wrong_port']
    dark = [end for end in ends if codes[id(end)] & set(['no_carrier', 'wrong_port'])]
    lit = [end for end in ends if (end.get('state') or {}).get('carrier')]
    if wrong:
        first.extend(wrong)
        drop.update(['no_carrier', 'ping', 'wrong_port'])
    elif len(dark) >= 2:
        first.append(_no_carrier_text(dark, declared))
        drop.update(['no_carrier', 'ping'])
    pings = [(end, f) for end, f in findings if f['code'] == 'ping']
    if 'ping' not in drop and len(pings) >= 2 and len(lit) == len(ends):
        first.append("the ends do not answer each other's ping although both have carrier (%s): check the addresses, "
                     'the MTU and any firewall on both ports' % ', '.join(
                         '%s -> %s' % (_where(end), end.get('peer_address')) for end, _f in pings))
        drop.add('ping')
    speeds = [(end.get('state') or {}).get('speed_mbps') for end in lit]
    negotiated = _min(speeds)
    if any(f['code'] == 'speed' for _end, f in findings) and negotiated:
        drop.add('speed')
        if negotiated < declared:
            causes = _speed_causes(ends, declared)
            not_56g = _not_56g(ends) if declared == 56000 else []
            if not_56g:
                others = [c for c in causes if c not in not_56g]
                text = '%s, so the link runs at %s Mb/s instead of 56000' % (not_56g[0], negotiated)
                first.append(text + ('; also: %s' % '; '.join(others) if others else ''))
            elif causes:
                first.append('runs at %s Mb/s instead of the declared %s Mb/s; %s' % (negotiated, declared, _listing(causes)))
            else:
                first.append('runs at %s Mb/s instead of the declared %s Mb/s: nothing read here explains it (check the '
                             'far end, the cable and the card firmware)' % (negotiated, declared))
        else:
            first.append('runs at %s Mb/s, faster than the declared %s Mb/s: set speed_mbps: %s for this link in '
                         'connectx_links if that is meant' % (negotiated, declared, negotiated))
    reasons = list(first)
    explained = set(f['text'] for _end, f in findings if f['code'] in drop)
    for end in ends:
        for error in end.get('errors') or []:
            if error not in explained and error not in reasons:
                reasons.append(error)
    hints = []
    modules = [end.get('module') for end in ends if module_present(end.get('module'))]
    if declared == 40000 and negotiated == 40000 and modules and all(capable_56g(m) for m in modules) and \
            not _card_cap_causes(ends, 56000):
        hints.append('the cable (%s) can run 56 GbE: declare speed_mbps: 56000 for this link in connectx_links to use it'
                     % module_name(modules[0]))
    return reasons, hints
