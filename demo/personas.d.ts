// Types of personas.js, for the end-to-end test that replays them.
export interface PersonaStep {
  type: 'view' | 'click' | 'add_to_cart' | 'purchase' | 'search' | 'dismiss';
  itemId?: string;
  query?: string;
  daysAgo?: number;
  why: string;
}
export interface Persona {
  id: string;
  name: string;
  blurb: string;
  steps: PersonaStep[];
}
export declare const PERSONAS: Persona[];
