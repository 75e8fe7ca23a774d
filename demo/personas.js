// Scripted shoppers. Each step is one event the shop would send LocalRank;
// `daysAgo` dates an event in the past (so the interest half-life knob has
// history to act on). `why` is the narration shown while the step plays.

export const PERSONAS = [
  {
    id: 'trail-runner',
    name: 'Maya, trail runner',
    blurb: 'Training for her first mountain ultra. Wants trail shoes, not road shoes, and gear for early starts.',
    steps: [
      { type: 'search', query: 'trail running shoes', why: 'Maya searches the shop.' },
      { type: 'view', itemId: 'trail-shoes-07', why: 'She opens a popular trail shoe.' },
      { type: 'click', itemId: 'trail-shoes-03', why: 'She clicks a waterproof pair from the list.' },
      { type: 'dismiss', itemId: 'road-shoes-01', why: 'She hides a road shoe: not what she runs in.' },
      { type: 'view', itemId: 'gear-06', why: 'She looks at a hydration vest.' },
      { type: 'add_to_cart', itemId: 'trail-shoes-03', why: 'The waterproof pair goes into the cart.' },
      { type: 'search', query: 'headlamp for early morning runs', why: 'She searches for a headlamp.' },
      { type: 'click', itemId: 'gear-03', why: 'She clicks a rechargeable headlamp.' },
      { type: 'purchase', itemId: 'trail-shoes-03', why: 'She buys the shoes.' },
    ],
  },
  {
    id: 'home-cook',
    name: 'Sam, home cook',
    blurb: 'Bought a sourdough book three weeks ago. Today: a proper pan and a good knife.',
    steps: [
      { type: 'purchase', itemId: 'cookbooks-02', daysAgo: 21, why: 'Three weeks ago Sam bought a sourdough cookbook.' },
      { type: 'search', query: 'cast iron pan', why: 'Today Sam searches for cast iron.' },
      { type: 'view', itemId: 'cookware-11', why: 'He opens a cast iron skillet.' },
      { type: 'click', itemId: 'cookware-06', why: 'He compares it with another skillet.' },
      { type: 'dismiss', itemId: 'appliances-03', why: 'He hides an expensive kettle: not for him.' },
      { type: 'view', itemId: 'knives-01', why: 'He looks at a chef knife.' },
      { type: 'add_to_cart', itemId: 'cookware-11', why: 'The skillet goes into the cart.' },
      { type: 'click', itemId: 'bakeware-01', why: 'He clicks a sourdough proofing basket.' },
      { type: 'purchase', itemId: 'cookware-11', why: 'He buys the skillet.' },
    ],
  },
  {
    id: 'gift-buyer',
    name: 'Priya, gift buyer',
    blurb: 'Usually shops running gear for herself; this week she is buying presents for her coffee-loving dad and her family.',
    steps: [
      { type: 'purchase', itemId: 'road-shoes-08', daysAgo: 30, why: 'A month ago Priya bought road running shoes for herself.' },
      { type: 'purchase', itemId: 'nutrition-05', daysAgo: 28, why: 'And energy gels.' },
      { type: 'search', query: 'gift for dad who loves coffee', why: 'Today she searches for a present.' },
      { type: 'view', itemId: 'brewing-gear-08', why: 'She opens a burr coffee grinder.' },
      { type: 'click', itemId: 'coffee-01', why: 'She clicks single-origin beans.' },
      { type: 'add_to_cart', itemId: 'brewing-gear-08', why: 'The grinder goes into the cart.' },
      { type: 'search', query: 'board game for the family', why: 'Next, something for the whole family.' },
      { type: 'click', itemId: 'board-games-03', why: 'She clicks a cooperative adventure game.' },
      { type: 'view', itemId: 'candles-05', why: 'She looks at beeswax candles.' },
      { type: 'add_to_cart', itemId: 'board-games-03', why: 'The game goes into the cart too.' },
    ],
  },
];
