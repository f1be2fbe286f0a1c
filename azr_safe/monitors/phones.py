"""Presidio's phone recognizer with a memo of `phonenumbers`' per-candidate verdicts (speed, same findings).

presidio runs `phonenumbers.PhoneNumberMatcher` once per region (eight), and the matcher parses every digit
run of a trace as a candidate number; reasoning traces are full of short integer lists, so the same
candidates ("2", "[1", "7 // 2") are parsed again and again: 4.4 ms of a 2 KB trace. At leniencies up to
presidio's (1, VALID) the matcher's verdict on a candidate depends only on the candidate, the region and the
characters just before and after it, so it is memoised on those four. This overrides the matcher's private
`_parse_and_verify`: if a `phonenumbers` release renames it, the override is simply never called (slower,
never different); the findings are compared with the stock recognizer's in tests.
"""

from __future__ import annotations

import threading

import phonenumbers
from phonenumbers.phonenumbermatcher import Leniency, PhoneNumberMatch
from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

MEMO_SIZE = 1 << 16
_memo: dict[tuple, object] = {}
_lock = threading.Lock()
_NO_NUMBER = object()


class MemoPhoneNumberMatcher(phonenumbers.PhoneNumberMatcher):
    def _parse_and_verify(self, candidate, offset):  # noqa: ANN001, ANN202 - phonenumbers' private hook
        if self.leniency > Leniency.VALID:  # stricter leniencies also look at how the digits are grouped
            return super()._parse_and_verify(candidate, offset)
        end = offset + len(candidate)
        key = (candidate, self.preferred_region, self.leniency, self.text[offset - 1] if offset > 0 else None,
               self.text[end] if end < len(self.text) else None)
        number = _memo.get(key)
        if number is None:
            match = super()._parse_and_verify(candidate, offset)
            number = _NO_NUMBER if match is None else match.number
            with _lock:
                if len(_memo) >= MEMO_SIZE:
                    _memo.clear()
                _memo[key] = number
        return None if number is _NO_NUMBER else PhoneNumberMatch(offset, candidate, number)


class MemoPhoneRecognizer(PhoneRecognizer):
    """presidio's PhoneRecognizer (same regions, leniency, score and explanation) over the memoising matcher."""

    def analyze(self, text, entities, nlp_artifacts=None):  # noqa: ANN001, ANN201 - presidio's signature
        results = []
        for region in self.supported_regions:
            for match in MemoPhoneNumberMatcher(text, region, leniency=self.leniency):
                results.append(self._get_recognizer_result(match, text, self._region_of(match, text, region),
                                                            nlp_artifacts))
        return EntityRecognizer.remove_duplicates(results)

    @staticmethod
    def _region_of(match, text: str, region: str) -> str:  # noqa: ANN001
        try:
            return phonenumbers.region_code_for_number(phonenumbers.parse(text[match.start : match.end]))
        except phonenumbers.NumberParseException:
            return region
