/**
 * The one rule for ids in a body or event lives with the events' schemas, so that the
 * HTTP edge, the socket events and Kafka records agree on what an id is; path ids follow
 * it through `ParseIdPipe`.
 */
export { IsId } from '@scale-chat/contracts/events';
