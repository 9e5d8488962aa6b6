import type { DomainEvent, EventContract } from "../events/event-contract.ts";

/**
 * An event-sourced aggregate as three pure parts: the state before any event, how an
 * event changes the state, and how a command is decided into new events (or refused
 * with an AppError). Time and new ids arrive on the command; nothing here does I/O.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  /** The contracts of the events this aggregate emits and folds; others among its events are ignored. */
  events: readonly EventContract<Event["type"]>[];
  initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

/** Folds events into state, from the initial state or a known one. */
export const fold = <Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, "evolve" | "initialState">,
  events: readonly Event[],
  from: State = decider.initialState,
): State => events.reduce(decider.evolve, from);
