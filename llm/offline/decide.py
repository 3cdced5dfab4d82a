"""The turn policy of the offline model: phrase tool results, or choose a tool and its arguments, or ask."""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm.assent import says_no, says_yes
from crm.mood import Mood, asks_permission, asks_whether_possible, asks_whether_to, goes_on_to_act, mood_of
from llm.offline import contrast, cues, metric_query, metric_scorecard, outlook_query, plans, prompt_request, questions, scope
from llm.offline import own_data, two_requests  # a customer's words about their own data; two requests in one
from llm.offline import account_picture, filing  # an account's picture or a meeting's prep; a request to file
from llm.offline import own_figures  # a rep's own figures: the one figure a rep gets from the metric tool
from llm.offline import refine  # a list just shown, narrowed by its order ("the biggest one among them")
from llm.offline import activity_history  # the activities logged: only asked to see, never stated nor counted
from llm.offline.arguments import Filled, Filling, fill
from llm.offline.context import carry_over
from llm.offline.fit import (FIT_NEW_CASE, SMALL_TALK_WITH_NAME, NameKinds, Unnamer, asks_about_open_cases,
                             asks, asks_to_open_a_case, mentions_future, slot_fit)
from llm.offline.intents import LATER, SMALL_TALK, UNSUPPORTED, W_LEXICAL, IntentScore, ToolIndex, index_for, rank
from llm.offline.lexicon import Lexicon
from llm.offline.links import link
from llm.offline.messages import Turn, last_index, read_messages
from llm.offline.offer import role_offer
from llm.offline.phrasing import ASKS_TOTAL, phrase_result, total_lead
from llm.offline.reading import Reading
from llm.offline.replies import template
from llm.offline.schema import ToolView, coerce, parse_tools
from llm.offline.synonyms import ordinal_wrapping, ordinals
from llm.offline.text import language_of
from llm.offline.trace import format_trace

# E5 similarities of related requests sit around 0.85-0.95 and of unrelated ones around 0.78-0.82: below the
# floor nothing was understood; closer than the margin, two tools are equally likely and the user is asked.
# Tuned on ~110 bilingual requests over 5 and 11 test tools and ~100 eval-suite requests over Tessera's tools.
SEMANTIC_FLOOR = 0.845  # small talk needs this much similarity to its examples
UNDERSTOOD_FLOOR = 0.855  # the best tool needs this much similarity plus word overlap
MARGIN = 0.01
MAX_CLARIFY_DEPTH = 3
# A question may be answered by a tool that reads when that tool scores this close to the best (writing) tool.
QUESTION_READ_MARGIN = 0.03
# Asked whether to do something oneself: the action asked about may score this far below the best tool.
WHETHER_TO_MARGIN = 0.08
OPPOSITE_DIRECTION = 0.1  # a consent change against the way the message asks: stop vs allow
# Torn between tools that all fit this weakly: no tool was meant ("book me a train ticket").
WEAK_TIE = 0.89
FIT_RELATIVE_CHANGE = 0.03  # a value changed by an amount or a share names the tool that changes a deal's value
VALUE_NAMED_CHANGE = 0.2  # ... and with the value named ("its amount", "金额"), it is that tool
FIT_SHARE_UNTAKEN = 0.02  # a share (4%) given in a statement, to a tool that reads and takes none
FIT_FILING = 0.05  # asked to file a request ("提一个3%的折扣申请"), to a tool that reads past records
FIT_OPEN_CASES = 0.1  # asked which cases are still open at an account: its summary lists them
FIT_ONE_CASE = 0.05  # one case named by its id: not an account's picture
# an account's picture or the prep for a meeting with it, said in words (llm/offline/account_picture.py): the one
# asked for gains this much, the other leaves the running
FIT_PICTURE_ASKED, FIT_PICTURE_OTHER = 0.05, 0.2
SUMMARY = "account_summary"
CASE_READ = "case_status"  # one case named by its id, read
NEW_CASE_TOOL = "open_case"
DECISIONS_KEPT = 64  # requests decided lately: a plan's next step re-decides the request its first step answered


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass
class Reply:
    """What the model says: text, and tool calls when `kind` is "tool_call"."""

    kind: str  # tool_call | answer | clarify | small_talk
    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    trace: dict[str, Any] = field(default_factory=dict)


class TurnPolicy:
    """Decides one assistant turn from the conversation so far and the offered tools."""

    def __init__(self, lexicon: Lexicon | None = None, clock: Callable[[], dt.date] | None = None, *,
                 examples: Lexicon | None = None):
        """`lexicon`: the names messages are read with unless a turn brings its user's own; `examples`: the names
        taken out of the tools' example utterances (by default `lexicon`)."""
        self.lexicon = lexicon or Lexicon()
        self.clock = clock or dt.date.today
        self.examples = examples
        self._decided: OrderedDict[tuple, Reply] = OrderedDict()
        self._decided_lock = threading.Lock()

    def reading_with(self, names: Lexicon) -> TurnPolicy:
        """This policy reading messages with `names` (the names one user may see): every candidate, link and
        resolved name then comes from them. The tools' examples keep their names, so tool choice does not vary."""
        policy = copy.copy(self)
        policy.examples, policy.lexicon = self.examples or self.lexicon, names
        return policy

    def reply(self, messages: list, tools: list | None, tool_choice: Any = None, names: Lexicon | None = None) -> Reply:
        if names is not None and names is not self.lexicon:
            return self.reading_with(names).reply(messages, tools, tool_choice)
        turns, views = read_messages(messages), parse_tools(tools)
        user = last_index(turns, "user")
        lang = _conversation_language(turns, user)
        if turns and turns[-1].role == "tool":
            return plans.next_step(self, turns, views) or self._phrase_results(turns, lang, views)
        if not views or tool_choice == "none":
            return Reply("answer", questions.capabilities([], lang), trace={"decision": "no_tools"})
        forced = forced_tool(tool_choice)
        return self._answer(turns, views, forced, depth=0) if forced else self.decide_request(turns, views)

    def decide_request(self, turns: list[Turn], views: list[ToolView]) -> Reply:
        """The decision on the user's message that ends `turns`. Re-deciding a turn is deterministic (the same
        conversation, tools, names and day give the same reply), so a decision made lately is reused, as a copy."""
        # the names by weak reference: a remembered decision must not keep a dropped lexicon alive
        names = (weakref.ref(self.lexicon), weakref.ref(self.examples) if self.examples is not None else None)
        key = (names, self.clock(), tuple(views), _conversation_key(turns))
        try:
            hash(key)
        except TypeError:  # a tool schema with unhashable enum values: decide afresh
            return self._answer(turns, views, None, depth=0)
        with self._decided_lock:
            known = self._decided.get(key)
        if known is None:
            known = self._answer(turns, views, None, depth=0)
            with self._decided_lock:
                self._decided[key] = known
                if len(self._decided) > DECISIONS_KEPT:
                    self._decided.popitem(last=False)
        return copy.deepcopy(known)

    # -- tool results ---------------------------------------------------------------------------------

    def _phrase_results(self, turns: list[Turn], lang: str, views: list[ToolView] = ()) -> Reply:
        start = len(turns)
        while start > 0 and turns[start - 1].role == "tool":
            start -= 1
        asked = turns[start - 1] if start > 0 and turns[start - 1].role == "assistant" else None
        names = {c["id"]: c["name"] for c in (asked.tool_calls if asked else ())}
        parts = [phrase_result(names.get(t.tool_call_id) or t.name, t.text, lang) for t in turns[start:]]
        user = last_index(turns, "user")
        if user is not None and ASKS_TOTAL.search(turns[user].text) and len(parts) == 1:
            lead = total_lead(turns[start].text, lang)  # "what's the total value…": the sum first, then the list
            parts = [f"{lead}\n{parts[0]}" if lead else parts[0]]
        if (user is not None and start == user + 2 and two_requests.offered({v.name for v in views})):
            # a part of the request left for a question: said plainly, with the question
            undone = self.decide_request(turns[:user + 1], list(views)).trace.get(two_requests.UNDONE)
            if undone:
                parts.append(template("questions", "undone", lang).format(**undone))
        return Reply("answer", "\n\n".join(p for p in parts if p), trace={"decision": "phrase", "results": len(parts)})

    # -- requests -------------------------------------------------------------------------------------

    def _answer(self, turns: list[Turn], views: list[ToolView], forced: str | None, depth: int) -> Reply:
        user = last_index(turns, "user")
        if user is None:
            return Reply("small_talk", questions.capabilities(views, "en", "greeting"), trace={"decision": "greeting"})
        text, lang = turns[user].text, _conversation_language(turns, user)
        reading = Reading(text, self.lexicon, self.clock())  # one reading of the message for every check below
        if (any(v.name == metric_query.TOOL for v in views) and own_figures.role_of(turns) == own_figures.REP
                and not own_figures.asks_own_figure(text, reading, turns[:user])):
            views = [v for v in views if v.name != metric_query.TOOL]  # a rep's other requests: as without it
        examples = self.examples or self.lexicon
        index = index_for(views, Unnamer(examples), NameKinds(examples))
        history = turns[:user]
        pending = self._pending(turns, user, views, depth)
        if pending and (says_yes(text) or says_no(text)):  # "yes" to "which deal?" names no deal: ask again
            return self._yes_or_no_to_a_question(turns, user, text, lang, pending)
        if not pending and (says_yes(text) or says_no(text)):  # a bare "yes" or "no" that answers nothing asked
            return Reply("answer", questions.capabilities(views, lang, "nothing_asked", offer=role_offer(history)),
                         trace={"decision": "nothing_asked"})
        if pending and not NEW_REQUEST.search(text):
            continued = self._continue(pending, text, views, index, lang, history)
            if (continued and not self._starts_over(continued, text, views, index, lang, history)
                    and not self._asks_instead(continued, text, views, history, pending.get("text", ""))):
                return continued
        narrowing = None if forced else refine.narrowed(  # "what's the biggest one among them?"
            text, history, views, names_something=bool(reading.all_entities() or reading.name_guesses()))
        if narrowing:
            name, args = narrowing
            trace = {"decision": "tool_call", "intent": name, "via": "narrowed",
                     "args": {k: {"value": v, "from": "the list just shown", "how": "carried"} for k, v in args.items()}}
            return Reply("tool_call", format_trace(trace), [ToolCall(name, args)], trace)
        if not forced and two_requests.offered({v.name for v in views}):  # "change my email … and unsubscribe me"
            found = two_requests.both(text, lambda part: self._fresh(part, views, index, lang, None, history), views)
            if found:
                return found
        return self._fresh(text, views, index, lang, forced, history, reading)

    @staticmethod
    def _yes_or_no_to_a_question(turns: list[Turn], user: int, text: str, lang: str, pending: dict) -> Reply:
        """A bare "yes" or "no" said to our clarifying question: "no" drops the request (nothing was done), "yes"
        answers nothing, so the question stands, asked again in the same words (the next answer still resolves it)."""
        if says_no(text):
            return Reply("answer", template("questions", "dropped", lang), trace={"decision": "dropped"})
        return Reply("clarify", turns[user - 1].text, trace={**pending, "asked_again": True})

    def _starts_over(self, continued: Reply, text: str, views: list[ToolView], index: ToolIndex, lang: str,
                     history: list[Turn]) -> bool:
        """Whether a message that could answer our question is rather a new request of its own ("show me the
        contacts at Keystone" after "which account?"): read alone, it asks for another tool with words of its
        own, not only names."""
        reading = Reading(text, self.lexicon, self.clock())
        if reading.names_only or _ordinal(text, ["x"] * 5) or len(re.sub(r"\W", "", reading.intent_text)) < 8:
            return False
        fresh = self._fresh(text, views, index, lang, None, history)
        chosen = continued.tool_calls[0].name if continued.tool_calls else continued.trace.get("intent")
        return fresh.kind == "tool_call" and bool(fresh.tool_calls) and fresh.tool_calls[0].name != chosen

    def _asks_instead(self, continued: Reply, text: str, views: list[ToolView], history: list[Turn],
                      original: str = "") -> bool:
        """Whether a message taken as the answer to our question would write although it asks something itself
        ("late payments by unit this year?" after "which account is the case for?"), or although the message our
        question was about did not ask for a write ("the first one" after "I wouldn't move the Acme deal yet"): then
        it is read afresh."""
        writes = {v.name for v in views if v.writes}
        if not any(c.name in writes for c in continued.tool_calls):
            return False
        if original and not asks_permission(original) and not self._mood(
                original, Reading(original, self.lexicon, self.clock()), None, history[:-2]).may_write:
            return True  # (asking whether one may, "手机号可以换吗？", and then giving the value is asking for it)
        return not self._mood(text, Reading(text, self.lexicon, self.clock()), None, history).may_write

    def _mood(self, text: str, reading: Reading, figure: Filling | None, history: list[Turn]) -> Mood:
        """How the message is meant; a sentence asking for a figure is a question however it is phrased."""
        mood = mood_of(text)
        figure = figure or metric_query.fill(None, reading, history)
        if mood is Mood.REQUEST and metric_query.asks_for_a_figure(figure, text) and not goes_on_to_act(text):
            return Mood.QUESTION  # "late payments by unit this year": a figure is asked for
        return mood

    def _pending(self, turns: list[Turn], user: int, views: list[ToolView], depth: int) -> dict | None:
        """The trace of our own clarifying question just before this user message, if there was one.
        Re-deciding the earlier turn (cheap: embeddings are memoised) avoids hidden state in the chat."""
        if depth >= MAX_CLARIFY_DEPTH or user < 2:
            return None
        asked, before = turns[user - 1], turns[user - 2]
        if asked.role != "assistant" or asked.tool_calls or before.role != "user":
            return None
        earlier = self._answer(turns[: user - 1], views, None, depth + 1)
        if earlier.kind == "clarify" and " ".join(earlier.content.split()) == " ".join(asked.text.split()):
            return earlier.trace
        return None

    def _fresh(self, text: str, views: list[ToolView], index: ToolIndex, lang: str, forced: str | None,
               history: list[Turn], reading: Reading | None = None) -> Reply:
        """`reading`: the message's reading when the caller has it already (the same text, names and day)."""
        reading = reading or Reading(text, self.lexicon, self.clock())
        fills = {v.name: self._fill(v, reading, index, views, history) for v in views}
        fit = {v.name: slot_fit(v, fills[v.name], reading) for v in views}
        figure = fills.get(metric_query.TOOL)  # the metric query the sentence reads as (the mood asks it too)
        if metric_query.TOOL in fit:  # a named metric asks for a number, not a list of records
            bonus = metric_query.fit_bonus(fills[metric_query.TOOL], text, _names_a_record(reading))
            if bonus > 0:  # "how many open opportunities are in negotiation": a count, however well a list's filters fit
                bonus = max(bonus, metric_query.aggregate_bonus(fills[metric_query.TOOL], text))
            unmeasured = metric_query.unmeasured_asked(fills[metric_query.TOOL])  # "how accurate were our forecasts":
            # nothing measures it, so no forecast answers in its place
            if (outlook_query.cued(text) or _WHAT_IF.search(text)) and not unmeasured:  # a forecast, an anomaly, a
                bonus = min(bonus, metric_query.FIT_NAMED_METRIC)  # what-if: the metric named is what it looks at
            if outlook_query.forecast_asked(text, fills[metric_query.TOOL].args, reading.today) and not unmeasured:
                bonus = min(bonus, -metric_query.FIT_NAMED_METRIC)  # "forecast won value for the rest of the year":
                # the metrics count what has happened; what is still to come is the forecast's
            if outlook_query.unusual_periods(text, fills[metric_query.TOOL].args):  # "any unusual months for lost
                bonus = min(bonus, 0.0)  # deals?": the months are the anomalies' periods, not a breakdown asked for
            fit[metric_query.TOOL] += bonus
        elif all(not v.params for v in views):  # choosing whom to hand over to: the agent that answers metrics
            for view in (v for v in views if metric_query.answers_metrics(v)):
                figure = figure or metric_query.fill(None, reading, history)  # read once, not per handover
                fit[view.name] += metric_query.handoff_bonus(figure, text, _names_a_record(reading))
        asks_unmeasured = figure is not None and metric_query.unmeasured_asked(figure)  # "预测准不准": no forecast
        for name in set(outlook_query.TOOLS) & fit.keys():  # forecast, risk, anomalies: only on their own cue
            bonus = outlook_query.fit_bonus(name, text)
            fit[name] += min(bonus, 0.0) if asks_unmeasured else bonus  # its own cue no longer lifts it
        for name in cues.cued_tools() & fit.keys():  # overdue, export, where-from: only on their own words too
            fit[name] += cues.fit_bonus(name, text)
        if activity_history.TOOL in fit:  # "sent Acme the quote by email" logs it; "how many calls…" is a figure
            fit[activity_history.TOOL] += activity_history.fit_bonus(text)
        if plans.relative_change(reading):  # "bump … by 5k", "上调5%": a change of a deal's value, by the tool that sets it
            # its value named ("lower D-2017's value by 10%"): that tool, however like a discount it sounds
            weight = VALUE_NAMED_CHANGE if plans.VALUE_NAMED.search(text) else FIT_RELATIVE_CHANGE
            for v in views:
                names = {p.name for p in v.params}
                if v.writes and {"amount", "deal"} <= names:
                    fit[v.name] += weight
                elif "percent" in names and "amount" not in names:  # "lower its value by 10%" is no discount asked for
                    fit[v.name] -= weight
        if reading.percents and not asks(text):  # "put in a 4% discount request for Trey Electronics": a share given
            # in a statement is what a tool that takes one is to ask for or try; a tool reading past records has no
            # place for it (a question, "was my 4% discount approved?", still reads)
            takers = [v for v in views if any(p.slot == "percent" for p in v.params)]
            if any(v.writes for v in takers):
                for v in views:
                    if v.params and not v.writes and v not in takers:
                        fit[v.name] -= FIT_SHARE_UNTAKEN
        if filing.files_a_request(text):  # "put in a 4% discount request": a request to make, not past ones to read
            for v in views:
                if v.params and not v.writes and not v.answers_what_if:
                    fit[v.name] -= FIT_FILING
        if NEW_CASE_TOOL in fit and asks_to_open_a_case(text):  # "open a case for Acme: …" is no account summary
            fit[NEW_CASE_TOOL] += FIT_NEW_CASE
        if {SUMMARY, account_picture.PREP} <= fit.keys() and (reading.entities("account") or reading.name_guesses()):
            side = account_picture.asked_for(text, mentions_future(reading))
            if side:  # "brief me on 海纳供应链": its picture; "a rundown of Acme before tomorrow": the meeting's prep
                other = account_picture.PREP if side == SUMMARY else SUMMARY
                fit[side] += FIT_PICTURE_ASKED - cues.fit_bonus(side, text)  # a call ahead is the prep's own cue
                fit[other] -= FIT_PICTURE_OTHER
        one_case = CASE_READ in fit and cues.cue(CASE_READ, text)  # "is C-95 still open?": that case's own status
        if SUMMARY in fit and asks_about_open_cases(text) and reading.entities("account") and not one_case:
            fit[SUMMARY] += FIT_OPEN_CASES  # "any unresolved tickets at Acme?": the account's open cases, in its summary
        elif SUMMARY in fit and one_case:
            fit[SUMMARY] -= FIT_ONE_CASE
        beside = own_data.BESIDE_OWN_DATA if own_data.OWN_DATA_TOOL in fit else frozenset()
        for name in (own_data.TOOLS | beside) & fit.keys():  # a new value given corrects; a where-from asks the source
            fit[name] += own_data.fit_bonus(name, text)
        way = contrast.direction(text)
        if way:  # "你们可以用我的信息训练AI" allows: a tool whose examples stop something does not answer it
            for v in views:
                if contrast.tool_direction(v) == -way:
                    fit[v.name] -= OPPOSITE_DIRECTION
        if reading.all_entities() or reading.name_guesses():  # "how is Acme doing" is not a greeting
            fit.update({name: -SMALL_TALK_WITH_NAME for name in SMALL_TALK if name != UNSUPPORTED})
        if own_data.OWN_DATA_TOOL in fit and own_data.acts_on_own_data(text):  # "I moved to Hangzhou last month", "wipe
            for name in SMALL_TALK:  # my order history": a change to their own data, no errand elsewhere, no small talk
                fit[name] = fit.get(name, 0.0) - own_data.FIT_MOVED
        ranking = rank(index, reading.intent_text, fit)
        tools_only = [s for s in ranking if not s.is_small_talk]
        by_name = {v.name: v for v in views}
        if forced in by_name:
            return self._call(by_name[forced], fills[forced], ranking, text, lang, via="tool_choice", insist=True)
        if forced == ANY_TOOL:  # tool_choice "required": the best tool, with what could be filled
            best = tools_only[0].name
            return self._call(by_name[best], fills[best], ranking, text, lang, via="tool_choice", insist=True)
        # a prompt engineer's request about prompts, where the prompt tools (or the handoff to them) are offered
        asked = prompt_request.choose(text, set(by_name))
        if asked and by_name[asked].writes and not mood_of(text).may_write:
            # "what happens if I roll back the sales prompt?", "先别回滚": explained, the label stays where it is
            trace = {**_scores("explain", ranking, chosen=asked), "mood": mood_of(text).value}
            return Reply("answer", questions.explain(by_name[asked], mood_of(text).value, lang), trace=trace)
        if asked:
            return self._call(by_name[asked], fills[asked], ranking, text, lang, via="message")
        if own_data.GRANT_TOOL in by_name and own_data.grants_every_use(text):  # "我全部同意": one plan of every use
            calls = [ToolCall(own_data.GRANT_TOOL, {"what": words}) for words in own_data.every_use()]
            trace = {**_scores("tool_call", ranking, chosen=own_data.GRANT_TOOL), "via": "every_use",
                     "args": [c.arguments for c in calls]}
            return Reply("tool_call", f"{own_data.GRANT_TOOL} for every use", calls, trace)
        row_change = own_data.row_change(text, history) if own_data.OWN_DATA_TOOL in by_name else None
        if row_change in by_name:  # "turn off the last one" after the consents table: that row's consent changed
            return self._call(by_name[row_change], fills[row_change], ranking, text, lang, via="message")
        if own_data.OWN_DATA_TOOL in by_name and own_data.claims_staff(text):  # identity comes from the login
            return Reply("answer", questions.claims_staff(lang), trace={**_scores("claims_staff", ranking)})
        if own_data.OWN_DATA_TOOL in by_name and (own_data.about_someone_else(text)  # "李娜的手机号": only one's own
                                                  or own_data.about_others_business(text, reading.name_guesses())):
            return Reply("answer", questions.others_data(lang), trace={**_scores("others_data", ranking)})
        if own_data.CORRECTION_TOOL in by_name and own_data.asks_how_to_change(text):
            # "can I change my email address?": yes, and which value; the next message may give it
            trace = {**_scores("clarify", ranking, chosen=own_data.CORRECTION_TOOL), "ask": "missing",
                     "missing": [p.name for p in by_name[own_data.CORRECTION_TOOL].required], "text": text}
            return Reply("clarify", own_data.may_change_question(text, lang), trace=trace)
        deleted = None if any(n.startswith("erase") for n in by_name) else scope.deletes_a_record(text)
        if deleted:  # "delete the Acme Robotics account": no tool deletes a record; said plainly, nothing looked up
            return Reply("answer", questions.capabilities(views, lang, "cant_delete", offer=role_offer(history),
                                                          what=deleted), trace={**_scores("unsupported", ranking),
                                                                                "deletes": deleted})
        # "book a flight", "帮我订机票", "change the temperature": no CRM tool does that, however near its examples
        unnamed = reading.without_names  # "the AI Sales Assistant deal" names a product, not an agent
        overriding = scope.overrides_instructions(unnamed)
        if overriding:  # "ignore all previous instructions and …": a short refusal, nothing of the rest read or offered
            return Reply("answer", template("questions", "override", lang),
                         trace={**_scores("unsupported", ranking), "outside": overriding})
        outside = scope.outside_crm(unnamed) or scope.about_the_assistant(unnamed) or scope.not_a_request(unnamed)
        if outside:
            return Reply("answer", questions.capabilities(views, lang, "cant_yet", offer=role_offer(history)),
                         trace={**_scores("unsupported", ranking), "outside": outside})
        if reading.names_only:  # "Acme": ask what to do, among the tools that take such a name
            kinds = {m.kind for m in reading.all_entities()}
            options = [s.name for s in tools_only if kinds & index.kinds[s.name]][:3]
            if len(options) == 1:  # only one thing to do with it (a handoff tool whose examples name deals)
                return self._call(by_name[options[0]], fills[options[0]], ranking, text, lang, via="message")
            if options:
                trace = {**_scores("clarify", ranking), "ask": "intent", "options": options, "text": text}
                return Reply("clarify", questions.ask_intent([by_name[o] for o in options], lang), trace=trace)
        top = ranking[0]
        margin = top.score - ranking[1].score if len(ranking) > 1 else 1.0
        mood = self._mood(text, reading, figure, history)
        best = tools_only[0]
        first_reader = next((s for s in tools_only if not by_name[s.name].writes), None)
        if mood is Mood.HYPOTHETICAL and first_reader and by_name[first_reader.name].answers_what_if:
            mood = Mood.QUESTION  # "what happens if I ask for 25% off?": a tool that tries it out answers, writing nothing
        if (top.name == UNSUPPORTED and not mood.may_write and top.score - best.score <= QUESTION_READ_MARGIN
                and (mood is Mood.HYPOTHETICAL or by_name[best.name].writes)):
            # "what happens if I delete my account?": about something Tessera does, so explain that
            trace = {**_scores("explain", ranking, chosen=best.name), "mood": mood.value}
            return Reply("answer", questions.explain(by_name[best.name], mood.value, lang), trace=trace)
        if top.name == UNSUPPORTED and top.semantic >= SEMANTIC_FLOOR and margin >= MARGIN:
            return Reply("answer", questions.capabilities(views, lang, "cant_yet", offer=role_offer(history)),
                         trace=_scores("unsupported", ranking))
        if top.name == LATER and top.semantic >= SEMANTIC_FLOOR and margin >= MARGIN:  # "我在开会，晚点说": no request
            return Reply("small_talk", template("questions", "later", lang), trace=_scores("later", ranking))
        if top.is_small_talk and top.semantic >= SEMANTIC_FLOOR and margin >= MARGIN:
            lead = "thanks" if top.name == "__thanks__" else "greeting"
            return Reply("small_talk", questions.capabilities(views, lang, lead, offer=role_offer(history)), trace=_scores("small_talk", ranking))
        if mood is Mood.RULE:  # "当…时…", "whenever …": a rule in words is not a request to act now
            return Reply("answer", questions.capabilities(views, lang, "rule", offer=role_offer(history)), trace=_scores("rule", ranking))
        best = tools_only[0]
        if mood is Mood.QUESTION and asks_whether_possible(text) and not by_name[best.name].writes:
            # "am I able to get my data deleted?": as near to deleting as to reading the data, it asks about the deletion
            best = next((s for s in tools_only[1:3] if by_name[s.name].writes and best.score - s.score < MARGIN), best)
        if best.semantic + W_LEXICAL * best.lexical + max(best.slots, 0.0) < UNDERSTOOD_FLOOR:
            return Reply("answer", questions.capabilities(views, lang, offer=role_offer(history)), trace=_scores("not_understood", ranking))
        writer = next((s for s in tools_only if by_name[s.name].writes), None)
        if writer and asks_whether_to(text) and best.score - writer.score <= WHETHER_TO_MARGIN:
            # "需要我自己记录吗？", "should I log it myself?": about the action itself, explained, nothing read or done
            trace = {**_scores("explain", ranking, chosen=writer.name), "mood": mood.value}
            return Reply("answer", questions.explain(by_name[writer.name], mood.value, lang), trace=trace)
        tried_out = None  # "给个8%的折扣可以吗": may I? is answered by the tool that tries the action out, nothing done
        if not mood.may_write and asks_permission(text) and not by_name[best.name].writes:
            tried_out = self._tried_out(best, tools_only, by_name)  # "我能不能给金桥百货申请个折扣": not past decisions
            best = tried_out or best
        if not tried_out and not mood.may_write and (by_name[best.name].writes or mood is Mood.HYPOTHETICAL):
            readers = [s for s in tools_only if not by_name[s.name].writes]
            trial = next((s for s in readers if by_name[s.name].answers_what_if), None)
            if (trial and by_name[best.name].writes and asks_permission(text)
                    and best.score - trial.score <= WHETHER_TO_MARGIN):
                best = tried_out = trial
            # "is my phone number in your system?" is read; "am I able to get my data deleted?" asks about the
            # deletion itself, so it is explained
            elif (mood is Mood.QUESTION and readers and not asks_whether_possible(text)
                    and best.score - readers[0].score <= QUESTION_READ_MARGIN
                    and readers[0].semantic + W_LEXICAL * readers[0].lexical >= UNDERSTOOD_FLOOR):
                best = readers[0]  # "is my phone number in your system?": read, never write
            else:
                trace = {**_scores("explain", ranking, chosen=best.name), "mood": mood.value}
                return Reply("answer", questions.explain(by_name[best.name], mood.value, lang), trace=trace)
        planned_act = None  # "把海天电子金额最大的商机推到谈判阶段": the deal search is the plan's first step, not a rival
        if mood.may_write and plans.FINDER in {s.name for s in tools_only[:2]}:
            planned_act = self._plan_instead(tools_only[0], tools_only, by_name, fills, reading, views)
            best = planned_act or best
        # Only tools this mood allows compete: a question chooses among the tools that read.
        allowed = [s for s in tools_only if mood.may_write or not by_name[s.name].writes]
        rivals = [] if tried_out else [s for s in allowed  # a permission question's tool has no rival to ask about
                                       if s.name != best.name and not (planned_act and s.name == plans.FINDER)]
        runner_up = rivals[0].score if rivals else 0.0
        unsupported = next((x for x in ranking if x.name == UNSUPPORTED), None)
        torn = best.score - runner_up < MARGIN
        if torn and ((unsupported and best.score - unsupported.score < MARGIN) or best.score < WEAK_TIE):
            # torn between tools and close to what Tessera cannot do: say so rather than offer the nearest tools
            return Reply("answer", questions.capabilities(views, lang, "cant_yet", offer=role_offer(history)),
                         trace=_scores("unsupported", ranking))
        if best.score - runner_up < MARGIN or (top.is_small_talk and top.name != UNSUPPORTED):
            options = [best.name] + [s.name for s in rivals[:2] if best.score - s.score < 2 * MARGIN]
            if len(options) < 2:
                options = [best.name] + [s.name for s in rivals[:1]]
            trace = {**_scores("clarify", ranking), "ask": "intent", "options": options, "text": text}
            return Reply("clarify", questions.ask_intent([by_name[o] for o in options], lang), trace=trace)
        if best.name in scope.task_tools() and not _for_a_customer(fills[best.name], text):
            # "remind me to pick up my dry cleaning": a task in the CRM is a follow-up with a customer
            return Reply("answer", questions.capabilities(views, lang, "cant_yet", offer=role_offer(history)),
                         trace={**_scores("unsupported", ranking, chosen=best.name), "not_a_follow_up": True})
        planned = plans.find_first(by_name[best.name], fills[best.name], reading, views)
        if planned:  # "Acme's biggest open deal": find the account's deals first, then act on the one picked
            return _find_then_act(best.name, planned, ranking, via="message")
        return self._call(by_name[best.name], fills[best.name], ranking, text, lang, via="message")

    @staticmethod
    def _tried_out(best: IntentScore, tools_only: list[IntentScore], by_name: dict[str, ToolView]) -> IntentScore | None:
        """A permission question ("may I ask for a discount for Jinqiao?") read best by a tool that reads records: when
        an action of the same kind (a tool that writes) and the tool that tries actions out both score near it, it
        asks about doing the action, so the trial answers, nothing done."""
        if by_name[best.name].answers_what_if:
            return None
        trial = next((s for s in tools_only if by_name[s.name].answers_what_if), None)
        action = next((s for s in tools_only if by_name[s.name].writes), None)
        if trial and action and max(best.score - trial.score, best.score - action.score) <= WHETHER_TO_MARGIN:
            return trial
        return None

    @staticmethod
    def _plan_instead(finder: IntentScore, tools_only: list[IntentScore], by_name: dict[str, ToolView],
                      fills: dict[str, Filling], reading: Reading, views: list[ToolView]) -> IntentScore | None:
        """A request read as a deal search that names a deal by a property and close behind it a tool acting on one
        deal: the search is the plan's first step, not the answer (a stage there is where the deal goes)."""
        for score in tools_only:
            if finder.score - score.score > QUESTION_READ_MARGIN:
                return None
            view = by_name[score.name]
            if view.writes and plans.find_first(view, fills[score.name], reading, views):
                return score
        return None

    def _call(self, view: ToolView, filling: Filling, ranking: list[IntentScore], text: str, lang: str,
              via: str, insist: bool = False) -> Reply:
        base = {**_scores("clarify", ranking, chosen=view.name), "text": text}
        if insist:  # the caller demands a call: no questions, the tool reports what is missing
            filling.ambiguous, filling.missing = [], []
        if filling.ambiguous:
            param, match = filling.ambiguous[0]
            trace = {**base, "ask": "entity", "param": param.name, "candidates": list(match.candidates),
                     "labels": list(match.labels or match.candidates)}
            return Reply("clarify", questions.ask_entity(param, match, lang), trace=trace)
        if filling.missing:
            trace = {**base, "ask": "missing", "missing": [p.name for p in filling.missing]}
            asked = own_data.question(view, lang, text)
            offered = None if asked else metric_scorecard.question(view, lang, text)
            if offered:  # no metric named: a few likely ones, numbered, by their names
                asked, trace["metric_options"] = offered
            return Reply("clarify", asked or questions.ask_missing(filling.missing, lang), trace=trace)
        trace = {**_scores("tool_call", ranking, chosen=view.name), "via": via,
                 "args": {f.name: {"value": f.value, "from": f.source, "how": f.how} for f in filling.filled}}
        return Reply("tool_call", format_trace(trace), [ToolCall(view.name, filling.args)], trace)

    # -- answers to our own questions -----------------------------------------------------------------

    def _continue(self, pending: dict, reply: str, views: list[ToolView], index: ToolIndex, lang: str,
                  history: list[Turn]) -> Reply | None:
        by_name = {v.name: v for v in views}
        ask, original = pending.get("ask"), pending.get("text", "")
        if ask == "intent":
            combined = f"{original} {reply}"
            options = [o for o in pending["options"] if o in by_name]
            fills = {o: self._fill(by_name[o], Reading(combined, self.lexicon, self.clock()), index, views, history)
                     for o in options}
            chosen = (_ordinal(reply, options) or self._pick_option(reply, options, index)
                      or _only_complete(options, fills, Reading(reply, self.lexicon, self.clock())))
            if chosen not in by_name:
                return None
            return self._call(by_name[chosen], fills[chosen], self._rank(index, combined), combined, lang, via="answer")
        view = by_name.get(pending.get("intent"))
        if view is None:
            return None
        today, earlier = self.clock(), history[:-2]  # before our question and the request it asked about
        first = self._fill(view, Reading(original, self.lexicon, today), index, views, earlier)
        if ask == "entity":
            param = next(p for p in view.params if p.name == pending["param"])
            choice = (_ordinal(reply, pending["candidates"]) or _named(reply, pending["candidates"])
                      or _named_by_label(reply, pending["candidates"], pending.get("labels") or [])
                       or (_bare_deal_id(reply) if param.entity == "deal" else None))  # the tool checks its scope
            if not choice:
                return None
            first.args[param.name] = coerce(param, choice)
            first.ambiguous = [a for a in first.ambiguous if a[0].name != param.name]
            first.filled.append(Filled(param.name, first.args[param.name], reply, "answer"))
            first.missing = [p for p in first.missing if p.name != param.name]
            planned = plans.find_first(view, first, Reading(original, self.lexicon, today), views)
            if planned and planned.get("change"):  # "the second one" of "raise Acme's amount by 10%": read, then change
                return _find_then_act(view.name, planned, self._rank(index, original), via="answer")
            return self._call(view, first, self._rank(index, original), original, lang, via="answer")
        if ask == "missing":
            wanted = tuple(pending.get("missing") or ())
            picked = own_data.picked_use(view, reply, _ordinal)  # "the second one" of the uses we offered
            metric = None if picked else metric_scorecard.picked(pending, reply, _ordinal)  # or of the metrics
            if metric:
                picked = [metric]
            said = own_data.correction_answer(original, reply) if view.name == own_data.CORRECTION_TOOL else reply
            answer = (Filling(args={wanted[0]: picked}, filled=[Filled(wanted[0], picked, reply, "answer")]) if picked
                      else self._fill(view, Reading(said, self.lexicon, today), index, views, earlier, answering=wanted))
            if not any(name in answer.args for name in wanted):
                return None
            merged = _merge(first, answer, view)
            return self._call(view, merged, self._rank(index, original), f"{original} {reply}", lang, via="answer")
        return None

    def _fill(self, view: ToolView, reading: Reading, index: ToolIndex, views: list[ToolView], history: list[Turn],
              answering: tuple[str, ...] = ()) -> Filling:
        if view.name == metric_query.TOOL:  # its arguments are a query over the metric catalog
            return metric_query.fill(view, reading, history)
        if view.name in outlook_query.TOOLS:
            return outlook_query.fill(view, reading, history)
        if view.name in prompt_request.TOOLS:
            return prompt_request.fill(view, reading)
        filling = fill(view, reading, answering)
        link(view, filling, reading, self.lexicon)
        if not answering:
            carry_over(view, filling, reading.text, history, views, self.lexicon)
        own_data.settle(view, filling, reading.text, history)  # a consent change naming no use, a correction giving no value: asked
        return filling

    def _rank(self, index: ToolIndex, text: str, only: set[str] | None = None) -> list[IntentScore]:
        return rank(index, Reading(text, self.lexicon, self.clock()).intent_text, only=only)

    def _pick_option(self, reply: str, options: list[str], index: ToolIndex) -> str | None:
        ranking = self._rank(index, reply, only=set(options))
        if len(ranking) >= 2 and ranking[0].score - ranking[1].score >= MARGIN / 2 and ranking[0].lexical > 0:
            return ranking[0].name
        return None


def _find_then_act(then: str, planned: dict, ranking: list[IntentScore], via: str) -> Reply:
    """The plan's first step (plans.find_first): the deal search, with what the step after it will do in the trace."""
    (tool, args), plan = planned["call"], {"name": plans.PLAN, "then": then, "args": planned["args"]}
    if planned.get("change"):
        plan["change"] = planned["change"]
    trace = {**_scores("tool_call", ranking, chosen=then), "via": via, "plan": plan}
    return Reply("tool_call", f"{tool} first, then {then}", [ToolCall(tool, args)], trace)


def _merge(first: Filling, answer: Filling, view: ToolView) -> Filling:
    merged = Filling(args=dict(first.args), filled=list(first.filled), used=list(first.used))
    for f in answer.filled:
        if f.name not in merged.args or f.name in {p.name for p in first.missing}:
            merged.args[f.name] = answer.args[f.name]
            merged.filled = [x for x in merged.filled if x.name != f.name] + [f]
    merged.ambiguous = [a for a in first.ambiguous + answer.ambiguous if a[0].name not in merged.args]
    merged.missing = [p for p in view.required
                      if p.name not in merged.args and not any(a[0].name == p.name for a in merged.ambiguous)]
    return merged


def _for_a_customer(filling: Filling, text: str) -> bool:
    """Whether a task names a record of the store or says what to do for a customer (call, send the quote, 跟进)."""
    return any(f.how in ("entity", "guess") for f in filling.filled) or bool(scope.crm_follow_up(text))


def _only_complete(options: list[str], fills: dict[str, Filling], reply: Reading) -> str | None:
    """A bare name answering "did you mean A or B?": the one option that name completes."""
    if not reply.names_only:
        return None
    complete = [o for o in options if not fills[o].missing and not fills[o].ambiguous]
    return complete[0] if len(complete) == 1 else None


def _ordinal(reply: str, options: list[str]) -> str | None:
    said = _unwrapped(reply.strip().strip("。.!！?？() （）").lower())
    for n, words in ordinals().items():
        if n <= len(options) and (said in words or any(said.startswith(w + " ") for w in words if len(w) > 2)):
            return options[n - 1]
    return None


_NO_WORDS = re.compile(r"[^A-Za-z\u3400-\u9fff]*|\S+@\S+", re.S)  # "13698765432", "a@b.cn", "3." ("算了" has words)


def _conversation_language(turns: list[Turn], user: int | None) -> str:
    """The language of the user's message; one without words of either language (a phone number, an e-mail address,
    "3.") is in the language of their message before."""
    if user is None:
        return language_of("")
    for i in range(user, -1, -1):
        said = turns[i].text.strip() if turns[i].role == "user" else ""
        if turns[i].role == "user" and (i == 0 or not _NO_WORDS.fullmatch(said)):
            return language_of(said)
    return language_of(turns[user].text)


def _unwrapped(said: str) -> str:
    """An answer without the words around its ordinal ("number 3" → "3", "选2" → "2", "第三项" → "第三"), when what is
    left is an ordinal; else the answer as said."""
    before, after = ordinal_wrapping()
    core = said
    for word in before:
        if core.startswith(word) and core != word:
            core = core[len(word):].strip(" ,，:：")
            break
    for word in after:
        if core.endswith(word) and core != word:
            core = core[:-len(word)].strip(" ,，")
            break
    known = {w for words in ordinals().values() for w in words}
    return core if core in known else said


def _bare_deal_id(reply: str) -> str | None:
    """"D-1867" (or "1867") said alone in answer to "which deal?": that deal, listed or not."""
    found = re.fullmatch(r"\s*(?:D-?|#)?(\d{3,})\s*[.。!！]?\s*", reply, re.I)
    return f"D-{found.group(1)}" if found else None


def _named(reply: str, candidates: list[str]) -> str | None:
    said = reply.strip().strip("。.!！?？").lower()
    hits = [c for c in candidates if said and (said in c.lower() or c.lower() in said)]
    if not hits:  # "the AI Sales Assistant one", "培训那个": the words that name it, without the pointing words
        bare = _POINTING.sub("", _POINTING.sub("", said)).strip()
        hits = [c for c in candidates if len(bare) >= 3 and bare in c.lower()]
    return hits[0] if len(hits) == 1 else None


def _named_by_label(reply: str, candidates: list[str], labels: list[str]) -> str | None:
    """The candidate whose label as offered ("D-2045 Training Workshop (negotiation)") the reply names."""
    if len(labels) != len(candidates):
        return None
    hit = _named(reply, labels)
    return candidates[labels.index(hit)] if hit else None


# Words around a name that point at one of the candidates offered: "the … one", "that … deal", "…那个单子".
_POINTING = re.compile(r"^(?:(?:i mean|it'?s|the|that|this)\s+)+|\s+(?:one|deal|opportunity)$|^(?:就是|是)|"
                       r"(?:的)?(?:那个|那一个|这个)?(?:单子|商机|项目)?$", re.I)


ANY_TOOL = "*"
# A reply to our question that turns away from it: a new request, not an answer.
NEW_REQUEST = re.compile(r"^\s*(?:actually|never\s*mind|nevermind|forget\s+it|instead|scratch\s+that|wait)\b|"
                         r"^\s*(?:算了|不用了|先不|换个|还是先|另外|等等)", re.I)


def forced_tool(tool_choice: Any) -> str | None:
    """The tool a `tool_choice` demands: a name, ANY_TOOL for "required"/"any", or None."""
    if isinstance(tool_choice, dict):
        return (tool_choice.get("function") or {}).get("name") or tool_choice.get("name")
    return ANY_TOOL if tool_choice in ("required", "any") else None


def _scores(decision: str, ranking: list[IntentScore], chosen: str | None = None) -> dict:
    top = next((s for s in ranking if s.name == chosen), ranking[0]) if ranking else None
    others = [s for s in ranking if top is None or s.name != top.name][:2]
    return {
        "decision": decision,
        "intent": top.name if top else None,
        "score": round(top.score, 3) if top else 0.0,
        "margin": round(top.score - others[0].score, 3) if top and others else 0.0,
        "next": [[s.name, round(s.score, 3)] for s in others],
    }


def _conversation_key(turns: list[Turn]) -> tuple:
    """The conversation as a decision reads it. Tool-call ids only pair a result with its call, so they are renamed
    in order of appearance: a conversation repeated with fresh ids is the same conversation."""
    ids: dict[str, int] = {}
    alias = lambda i: None if i is None else ids.setdefault(i, len(ids))  # noqa: E731
    return tuple((t.role, t.text, tuple((alias(c.get("id")), json.dumps({**c, "id": None}, sort_keys=True, default=str))
                                        for c in t.tool_calls), alias(t.tool_call_id), t.name) for t in turns)


_WHAT_IF = re.compile(r"\b(?:if I|if we|what if|suppose|would)\b|如果|假如|要是|假设", re.I)


def _names_a_record(reading: Reading) -> bool:
    """Whether the message names a customer record (an account, a contact, a deal): a colleague, a product or a
    unit named is who or what a figure is about."""
    found = reading.all_entities()
    others = [m for m in found if m.kind not in ("account", "contact", "deal")]
    return any(m.kind in ("account", "contact", "deal") and not any(o.start <= m.start and m.end <= o.end for o in others)
               for m in found) or bool(reading.name_guesses())  # "Grace" of the colleague Grace Han is no contact
