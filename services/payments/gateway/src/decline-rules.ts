/** Why the processor refuses a charge. */
export type DeclineReason = "card_declined" | "amount_over_limit";

/** The processor's acceptance rules (PAYMENT_DECLINED_METHODS, PAYMENT_LIMIT_CENTS). */
export interface DeclineRules {
  /** Amounts above this are declined (`amount_over_limit`). */
  limitCents: number;
  /** Payment methods that are always declined (`card_declined`). */
  declinedMethods: readonly string[];
}

/**
 * Why `rules` refuse this charge, or undefined when they accept it. A listed payment method is
 * checked before the amount, so a declined card over the limit is `card_declined`.
 */
export function declineReason(
  rules: DeclineRules,
  charge: { amountCents: number; paymentMethod: string },
): DeclineReason | undefined {
  if (rules.declinedMethods.includes(charge.paymentMethod)) return "card_declined";
  if (charge.amountCents > rules.limitCents) return "amount_over_limit";
  return undefined;
}
