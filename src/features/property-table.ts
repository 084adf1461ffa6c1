import type { GeoPoint, ListingStatus, PropertyEvent, PropertyType } from '../schemas/types';

/**
 * The property table, versioned: every PropertyEvent adds a version, and lookups are "as of" a
 * time, so that a lead event is joined with the listing as it was when the event happened, not
 * as it is now. That is what makes replays and live processing give the same features. A removal
 * (a tombstone on the compacted topic) ends the listing at a time; a later event lists it again.
 */
export interface PropertyVersion {
  readonly property_id: string;
  readonly valid_from: number;
  readonly list_price: number;
  readonly property_type: PropertyType;
  readonly beds: number;
  readonly baths: number;
  readonly area: string;
  readonly location: GeoPoint;
  readonly listing_status: ListingStatus;
  /** When it was first listed, and at what price (for days on market and price cuts). */
  readonly listed_at: number;
  readonly original_price: number;
}

/**
 * A version as the area index holds it: with the log of its price (for closeness to a budget) and
 * the time the next version of the listing replaces it, so that "was it on the market at t" is
 * answered without looking the listing up.
 */
export interface AreaVersion {
  readonly version: PropertyVersion;
  readonly logPrice: number;
  /** valid_from of the listing's next version, or the time it was removed; +Infinity while it is the latest. */
  validTo: number;
}

/** The listing was removed at `removed_at`: no version of it is in force from then until the next. */
interface Removal {
  readonly removed_at: number;
}

/** What happened to a listing, one step at a time: a version, or its removal. */
type Step = AreaVersion | Removal;

const isVersion = (s: Step): s is AreaVersion => 'version' in s;
const startOf = (s: Step): number => (isVersion(s) ? s.version.valid_from : s.removed_at);

/** Every version ever in an area, twice ordered; `isActiveAt` picks those that count at a time. */
export interface AreaIndex {
  /** By log price, then id, then valid_from. */
  readonly byPrice: readonly AreaVersion[];
  /** By id, then valid_from. */
  readonly byId: readonly AreaVersion[];
}

/** In force at `t` and on the market then. */
export const isActiveAt = (a: AreaVersion, t: number): boolean => a.version.valid_from <= t && t < a.validTo && a.version.listing_status === 'ACTIVE';

const EMPTY_AREA: AreaIndex = { byPrice: [], byId: [] };

/** Where a listing is in an area, and since when: its first version that named the area. */
interface Place {
  readonly property_id: string;
  readonly since: number;
  readonly lat: number;
  readonly lon: number;
}

/**
 * The places of an area's listings, for its centre as of a time. `sorted` (by since, then id) is
 * rebuilt lazily: a listing that comes before the last one (events out of order, or an earlier
 * version of a known listing) marks it dirty, one that comes after is appended. The centre of the
 * first n places depends on those n only, so it is cached by n until the order is rebuilt.
 */
interface AreaPlaces {
  readonly byListing: Map<string, Place>;
  sorted: Place[];
  dirty: boolean;
  readonly centres: Map<number, GeoPoint>;
}

export class PropertyTable {
  /** Each listing's steps in time order (of two at the same time, the one applied last is later). */
  private readonly versions = new Map<string, Step[]>();
  /**
   * Every version by the area it names. Scoring walks it from where a budget falls instead of
   * rebuilding the area's active set: every scored event needs its preferred area (about a
   * thousand listings and two thousand versions an area in the 1,000,000-event benchmark), and
   * events of several partitions come in slightly different times, so any set kept for a span of
   * time is soon stale.
   */
  private readonly areas = new Map<string, { byPrice: AreaVersion[]; byId: AreaVersion[] }>();
  /** Every listing that ever named an area, by area: the centre of a lead's preferred area. */
  private readonly places = new Map<string, AreaPlaces>();

  /** Listings the table has ever held, removed ones included. */
  get size(): number {
    return this.versions.size;
  }

  /**
   * Adds the version an event describes; events may arrive out of time order. Listed after a
   * removal, the listing is a new one: days on market and price cuts count from this listing, as
   * they do for a reader that starts after compaction dropped what came before the tombstone.
   */
  apply(e: PropertyEvent): PropertyVersion {
    const list = this.versions.get(e.property_id) ?? [];
    const i = afterLastAtOrBefore(list, e.occurred_at);
    let runStart = i;
    while (runStart > 0 && isVersion(list[runStart - 1] as Step)) runStart--;
    const first = runStart < i ? (list[runStart] as AreaVersion).version : undefined;
    const listedBefore = first !== undefined;
    const version: PropertyVersion = {
      property_id: e.property_id,
      valid_from: e.occurred_at,
      list_price: e.list_price,
      property_type: e.property_type,
      beds: e.beds,
      baths: e.baths,
      area: e.area,
      location: e.location,
      listing_status: e.listing_status,
      listed_at: listedBefore ? first.listed_at : e.occurred_at,
      original_price: listedBefore ? first.original_price : e.list_price,
    };
    const next = list[i];
    const entry: AreaVersion = { version, logPrice: Math.log(version.list_price), validTo: next ? startOf(next) : Number.POSITIVE_INFINITY };
    const previous = list[i - 1];
    if (previous && isVersion(previous)) previous.validTo = version.valid_from;
    list.splice(i, 0, entry);
    this.versions.set(e.property_id, list);
    this.index(entry);
    this.place(version);
    return version;
  }

  /**
   * Removes a listing as of `at`: the version in force then is closed there, so the listing is
   * not in force (nor a candidate) at `at` or after, until a later event lists it again. The
   * loader passes the tombstone's record timestamp: every reader of the topic sees the same one,
   * so live processing and a replay agree, which the wall-clock time of reading would not.
   * Returns false, changing nothing, for a listing the table never had.
   */
  remove(propertyId: string, at: number): boolean {
    const list = this.versions.get(propertyId);
    if (!list) return false;
    const i = afterLastAtOrBefore(list, at);
    const previous = list[i - 1];
    // Only validTo changes in the area index: the closed version stays there for earlier times.
    if (previous && isVersion(previous)) previous.validTo = at;
    list.splice(i, 0, { removed_at: at });
    return true;
  }

  /** The version in force at time `t`, or undefined if the listing did not exist yet or was removed then. */
  asOf(propertyId: string, t: number): PropertyVersion | undefined {
    const list = this.versions.get(propertyId);
    if (!list) return undefined;
    const step = list[afterLastAtOrBefore(list, t) - 1];
    return step && isVersion(step) ? step.version : undefined;
  }

  /** Every version that named `area`; filter with `isActiveAt`. */
  area(area: string): AreaIndex {
    return this.areas.get(area) ?? EMPTY_AREA;
  }

  ids(): IterableIterator<string> {
    return this.versions.keys();
  }

  /**
   * The centre of `area` as of `t`: the median latitude and, on its own, the median longitude of
   * the listings that named the area in a version in force from `t` or before, each once, where
   * its first such version put it. Sold and removed listings count: they are still in that place.
   * A median, so that a few mislocated listings do not move it. Undefined when there are none.
   * Called for every scored event of a lead that named an area but no location: a binary search
   * and a cache lookup, once the area's places are sorted.
   */
  areaCenter(area: string, t: number): GeoPoint | undefined {
    const places = this.places.get(area);
    if (!places) return undefined;
    if (places.dirty) {
      places.sorted = [...places.byListing.values()].sort(bySinceThenId);
      places.centres.clear();
      places.dirty = false;
    }
    const { sorted } = places;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as Place).since <= t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return undefined;
    let centre = places.centres.get(lo);
    if (!centre) {
      const head = sorted.slice(0, lo);
      centre = Object.freeze({ lat: median(head.map((p) => p.lat)), lon: median(head.map((p) => p.lon)) });
      places.centres.set(lo, centre);
    }
    return centre;
  }

  private index(entry: AreaVersion): void {
    let area = this.areas.get(entry.version.area);
    if (!area) {
      area = { byPrice: [], byId: [] };
      this.areas.set(entry.version.area, area);
    }
    insertSorted(area.byPrice, entry, byPriceThenId);
    insertSorted(area.byId, entry, byIdThenTime);
  }

  private place(v: PropertyVersion): void {
    let places = this.places.get(v.area);
    if (!places) {
      places = { byListing: new Map(), sorted: [], dirty: false, centres: new Map() };
      this.places.set(v.area, places);
    }
    const known = places.byListing.get(v.property_id);
    const place: Place = { property_id: v.property_id, since: v.valid_from, lat: v.location.lat, lon: v.location.lon };
    if (known && !placedBefore(place, known)) return;
    places.byListing.set(v.property_id, place);
    if (places.dirty) return;
    const last = places.sorted[places.sorted.length - 1];
    // After every place there is, a new listing leaves each prefix, and so each cached centre, as it was.
    if (!known && (last === undefined || bySinceThenId(last, place) < 0)) places.sorted.push(place);
    else places.dirty = true;
  }
}

const bySinceThenId = (a: Place, b: Place): number => a.since - b.since || (a.property_id < b.property_id ? -1 : a.property_id > b.property_id ? 1 : 0);

/**
 * Whether `a` is the listing's first place rather than `b`: the earlier one; of two versions at
 * the same time, the smaller point, so that the order events arrive in does not decide.
 */
const placedBefore = (a: Place, b: Place): boolean => a.since < b.since || (a.since === b.since && (a.lat < b.lat || (a.lat === b.lat && a.lon < b.lon)));

/** Of a non-empty list; of an even count, the mean of the two middle values. */
function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const byIdThenTime = (a: AreaVersion, b: AreaVersion): number =>
  a.version.property_id < b.version.property_id ? -1 : a.version.property_id > b.version.property_id ? 1 : a.version.valid_from - b.version.valid_from;
const byPriceThenId = (a: AreaVersion, b: AreaVersion): number => a.logPrice - b.logPrice || byIdThenTime(a, b);

/** Property events are few next to lead events: a splice into a sorted array is cheap enough. */
function insertSorted(list: AreaVersion[], entry: AreaVersion, order: (a: AreaVersion, b: AreaVersion) => number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (order(list[m] as AreaVersion, entry) <= 0) lo = m + 1;
    else hi = m;
  }
  list.splice(lo, 0, entry);
}

/** Index just past the last step at or before `t` (0 if none); steps are in time order. */
function afterLastAtOrBefore(list: readonly Step[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (startOf(list[mid] as Step) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
