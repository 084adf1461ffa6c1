/**
 * The ground truth of the synthetic world: the probabilities from which outcomes are drawn. They
 * are functions of what a lead did up to the scoring time (counts the generator keeps itself,
 * independently of src/features), so a model that reads the right features can reach, but not
 * beat, the AUC of these probabilities: that AUC is the best achievable, and training reports the
 * model's AUC beside it. The terms are non-linear (saturating counts, an interaction, a bump
 * around the budget) so that an MLP has something to learn that a linear model would miss.
 */
export interface LeadTruthInputs {
  /** Counts in the window ending at the scoring time. */
  readonly tours30: number;
  readonly saves7: number;
  readonly listingViews7: number;
  readonly listingViews30: number;
  readonly calls30: number;
  readonly emailClicks30: number;
  /** Days since the last engagement (60 if none), and since creation. */
  readonly recencyDays: number;
  readonly ageDays: number;
  readonly referral: boolean;
  readonly budgetKnown: boolean;
  readonly unsubscribed: boolean;
}

export interface PairTruthInputs {
  /** List price / budget middle, or null without a budget. */
  readonly priceRatio: number | null;
  /** km from where the lead wants to buy, or null when unknown. */
  readonly distanceKm: number | null;
  readonly typeMatch: boolean;
  readonly bedsOk: boolean;
  readonly viewed: boolean;
  readonly saved: boolean;
  readonly tours30: number;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const l = Math.log1p;
const b = (x: boolean): number => (x ? 1 : 0);

/** P(the lead converts within 30 days of the scoring time). */
export function pConvert(x: LeadTruthInputs): number {
  return sigmoid(
    -3.0 +
      1.0 * l(x.tours30) +
      0.5 * l(x.saves7) +
      0.3 * l(x.listingViews30) +
      0.7 * l(x.calls30) +
      0.4 * l(x.emailClicks30) -
      0.05 * Math.min(x.recencyDays, 45) +
      0.6 * b(x.referral) +
      0.3 * b(x.budgetKnown) +
      0.8 * b(x.tours30 > 0 && x.calls30 > 0) -
      0.8 * b(x.unsubscribed),
  );
}

/** P(the lead goes cold: no engagement in the 21 days after the scoring time). */
export function pChurn(x: LeadTruthInputs): number {
  return sigmoid(
    -1.2 +
      0.1 * Math.min(x.recencyDays, 45) -
      0.5 * l(x.listingViews7) -
      0.4 * l(x.emailClicks30) -
      0.7 * l(x.tours30) +
      0.6 * b(x.ageDays > 21 && x.listingViews7 === 0) +
      0.5 * b(x.unsubscribed),
  );
}

/** P(the lead requests a tour of this listing within 14 days of the scoring time). */
export function pTour(x: PairTruthInputs): number {
  const priceFit = x.priceRatio === null ? 0.5 : 1.6 * Math.exp(-((Math.log(x.priceRatio) / 0.2) ** 2));
  return sigmoid(
    -2.2 +
      priceFit -
      0.09 * (x.distanceKm ?? 25) +
      0.6 * b(x.typeMatch) +
      0.5 * b(x.bedsOk) +
      1.0 * b(x.viewed) +
      0.8 * b(x.saved) +
      0.3 * l(x.tours30),
  );
}
