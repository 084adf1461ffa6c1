/**
 * TypeScript shapes of the records in schemas/*.avsc. Every field is present (Avro optional fields
 * are `T | null`), so a test can check that these keys, these enum symbols and the schemas agree
 * (test/unit/schemas/types.test.ts). Timestamps are epoch milliseconds.
 */
/**
 * UNKNOWN is the default of the input enums that have no "other" symbol: what our reader makes of
 * a symbol that a newer producer schema added. Our own data never carries it.
 */
export const UNKNOWN = 'UNKNOWN';
export const LEAD_EVENT_TYPES = ['CREATED', 'UPDATED', 'STATUS_CHANGED', UNKNOWN] as const;
export const SOURCE_CHANNELS = ['WEB', 'MOBILE_APP', 'REFERRAL', 'PORTAL', 'OPEN_HOUSE', 'PAID_SEARCH', 'SOCIAL', 'OTHER'] as const;
/** The symbols of the LeadStatus enum: the statuses a lead can be in, then UNKNOWN. */
export const LEAD_STATUSES = ['NEW', 'CONTACTED', 'QUALIFIED', 'TOURING', 'OFFER', 'CLOSED_WON', 'CLOSED_LOST', UNKNOWN] as const;
export const PROPERTY_TYPES = ['SINGLE_FAMILY', 'CONDO', 'TOWNHOUSE', 'MULTI_FAMILY', 'LAND', 'OTHER'] as const;
export const ENGAGEMENT_TYPES = [
  'PAGE_VIEW',
  'LISTING_VIEW',
  'SAVE',
  'SHARE',
  'EMAIL_OPEN',
  'EMAIL_CLICK',
  'TOUR_REQUEST',
  'CALL',
  'MESSAGE',
  'UNSUBSCRIBE',
  'OTHER',
] as const;
export const ENGAGEMENT_CHANNELS = ['WEB', 'MOBILE_APP', 'EMAIL', 'PHONE', 'SMS', 'OTHER'] as const;
export const PROPERTY_EVENT_TYPES = ['LISTED', 'PRICE_CHANGED', 'STATUS_CHANGED', 'SOLD', UNKNOWN] as const;
export const LISTING_STATUSES = ['ACTIVE', 'PENDING', 'SOLD', 'OFF_MARKET'] as const;
export const BANDS = ['LOW', 'MEDIUM', 'HIGH'] as const;
export const REASON_DIRECTIONS = ['RAISES', 'LOWERS'] as const;

export type LeadEventType = (typeof LEAD_EVENT_TYPES)[number];
export type SourceChannel = (typeof SOURCE_CHANNELS)[number];
/** A status a lead can be in (its state never holds UNKNOWN: the lead keeps the status it had). */
export type LeadStatus = Exclude<(typeof LEAD_STATUSES)[number], typeof UNKNOWN>;
/** A LeadEvent's status as read: a lead status, or UNKNOWN for a symbol our schema lacks. */
export type LeadEventStatus = LeadStatus | typeof UNKNOWN;
export type PropertyType = (typeof PROPERTY_TYPES)[number];
export type EngagementType = (typeof ENGAGEMENT_TYPES)[number];
export type EngagementChannel = (typeof ENGAGEMENT_CHANNELS)[number];
export type PropertyEventType = (typeof PROPERTY_EVENT_TYPES)[number];
export type ListingStatus = (typeof LISTING_STATUSES)[number];
export type Band = (typeof BANDS)[number];
export type ReasonDirection = (typeof REASON_DIRECTIONS)[number];

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface LeadEvent {
  event_id: string;
  lead_id: string;
  event_type: LeadEventType;
  occurred_at: number;
  source_channel: SourceChannel;
  status: LeadEventStatus;
  budget_min: number | null;
  budget_max: number | null;
  preferred_area: string | null;
  preferred_property_type: PropertyType | null;
  min_beds: number | null;
  min_baths: number | null;
  location: GeoPoint | null;
  agent_id: string | null;
}

export interface EngagementEvent {
  event_id: string;
  lead_id: string;
  engagement_type: EngagementType;
  occurred_at: number;
  channel: EngagementChannel;
  property_id: string | null;
  duration_seconds: number | null;
  session_id: string | null;
}

export interface PropertyEvent {
  event_id: string;
  property_id: string;
  event_type: PropertyEventType;
  occurred_at: number;
  list_price: number;
  property_type: PropertyType;
  beds: number;
  baths: number;
  sqft: number | null;
  area: string;
  location: GeoPoint;
  listing_status: ListingStatus;
}

export interface Reason {
  feature: string;
  value: number;
  direction: ReasonDirection;
}

export interface LeadScore {
  lead_id: string;
  event_id: string;
  scored_at: number;
  conversion_probability: number;
  score_band: Band;
  top_reasons: Reason[];
  model_name: string;
  model_version: string;
  fallback: string | null;
}

export interface PropertyMatch {
  property_id: string;
  score: number;
  rank: number;
}

export interface PropertyMatches {
  lead_id: string;
  event_id: string;
  scored_at: number;
  matches: PropertyMatch[];
  candidates_considered: number;
  model_name: string;
  model_version: string;
  fallback: string | null;
}

export interface ChurnRisk {
  lead_id: string;
  event_id: string;
  scored_at: number;
  churn_probability: number;
  risk_band: Band;
  days_since_last_engagement: number;
  model_name: string;
  model_version: string;
  fallback: string | null;
}

export interface SchemaTypes {
  LeadEvent: LeadEvent;
  EngagementEvent: EngagementEvent;
  PropertyEvent: PropertyEvent;
  LeadScore: LeadScore;
  PropertyMatches: PropertyMatches;
  ChurnRisk: ChurnRisk;
}
